import type { HookContext } from './internal-types.js';

/** The instrumentation whose patches are in place, as the helpers see it. */
export interface ActiveInstrumentation extends HookContext {
  /** `drain()` has started: readiness reports 503 from then on. */
  draining: boolean;
}

/**
 * The one instrumentation that currently patches ws in this process, for the
 * helpers that are plain functions (`broadcast()`, `createHealthHandler()`,
 * `drain()`). Undefined while none is enabled.
 */
export const active: { current: ActiveInstrumentation | undefined } = { current: undefined };
