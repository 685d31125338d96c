import type { ConnectionRegistry } from './registry.js';

/** How often records are checked while no hook would see their closes. */
const SWEEP_MS = 5000;

/**
 * While ws is unpatched (after `disable()`), live connections keep their
 * records, so `enable()` finds them again and `drain()` can close them; the
 * ones that close in between are dropped by this sweep, so the registry never
 * holds a closed socket. Stops by itself once the registry is empty.
 */
export class ClosedSweep {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly registry: ConnectionRegistry) {}

  start(): void {
    if (this.timer !== undefined || this.registry.records.length === 0) return;
    this.timer = setInterval(() => {
      this.registry.pruneClosed();
      if (this.registry.records.length === 0) this.stop();
    }, SWEEP_MS);
    this.timer.unref();
  }

  /** Stops; the caller drops what closed since the last sweep (`pruneClosed()`). */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
