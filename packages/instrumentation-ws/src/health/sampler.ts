import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TrafficCounters } from '../connections/traffic.js';

const SAMPLE_EVERY_MS = 1000;
const SAMPLES_KEPT = 300;

interface Sample {
  at: number;
  messages: Float64Array;
  bytes: Float64Array;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** What happened over the recent window, for `/healthz` and `/stats`. */
export interface WindowSummary {
  seconds: number;
  /** Per second, indexed like the traffic arrays. */
  messageRates: number[];
  byteRates: number[];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * Once a second, copies the traffic totals and the event loop delay into a
 * short ring, so rates and delays over a recent window cost nothing on the
 * message path. One unref'd timer; it starts with the first health handler.
 */
export class HealthSampler {
  private readonly samples: Sample[] = [];
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly traffic: () => TrafficCounters | undefined) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.loopDelay.enable();
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  private sample(): void {
    const traffic = this.traffic();
    const ns = 1e-6;
    this.samples.push({
      at: performance.now(),
      messages: Float64Array.from(traffic?.messages ?? new Float64Array(8)),
      bytes: Float64Array.from(traffic?.bytes ?? new Float64Array(8)),
      loopDelayP99Ms: this.loopDelay.count > 0 ? this.loopDelay.percentile(99) * ns : 0,
      loopDelayMaxMs: this.loopDelay.count > 0 ? this.loopDelay.max * ns : 0,
    });
    this.loopDelay.reset();
    if (this.samples.length > SAMPLES_KEPT) this.samples.shift();
  }

  /** Rates and delays over the samples of the last `windowMs`, up to now. */
  summary(windowMs: number): WindowSummary {
    const now = performance.now();
    const traffic = this.traffic();
    const recent = this.samples.filter((s) => now - s.at <= windowMs);
    const oldest = recent[0] ?? { at: now, messages: traffic?.messages, bytes: traffic?.bytes };
    const seconds = Math.max((now - oldest.at) / 1000, 1e-3);
    const rate = (current: Float64Array | undefined, then: Float64Array | undefined) =>
      Array.from({ length: 8 }, (_, i) => ((current?.[i] ?? 0) - (then?.[i] ?? 0)) / seconds);
    const ns = 1e-6;
    return {
      seconds,
      messageRates: rate(traffic?.messages, oldest.messages),
      byteRates: rate(traffic?.bytes, oldest.bytes),
      loopDelayP99Ms: Math.max(
        this.loopDelay.count > 0 ? this.loopDelay.percentile(99) * ns : 0,
        ...recent.map((s) => s.loopDelayP99Ms),
      ),
      loopDelayMaxMs: Math.max(
        this.loopDelay.count > 0 ? this.loopDelay.max * ns : 0,
        ...recent.map((s) => s.loopDelayMaxMs),
      ),
    };
  }
}
