// Counts the timers the reporter itself holds, by wrapping the global timer
// functions and keeping only those created from the reporter's built module.
// (Its timers are unref'd, so process.getActiveResourcesInfo() cannot see them.)

type Handle = ReturnType<typeof setTimeout>;

export interface TimerSpy {
  /** Reporter timers created and neither cleared nor (for timeouts) fired. */
  live(): number;
  restore(): void;
}

export function spyOnReporterTimers(): TimerSpy {
  const live = new Set<Handle>();
  const original = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
  };
  const fromReporter = () => new Error().stack?.includes('/dist/reporter.js') === true;

  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number) => {
    if (!fromReporter()) return original.setTimeout(callback, ms);
    const handle: Handle = original.setTimeout(() => {
      live.delete(handle);
      callback();
    }, ms);
    live.add(handle);
    return handle;
  }) as typeof setTimeout;
  globalThis.setInterval = ((callback: (...args: unknown[]) => void, ms?: number) => {
    const handle = original.setInterval(callback, ms);
    if (fromReporter()) live.add(handle);
    return handle;
  }) as typeof setInterval;
  globalThis.clearTimeout = ((handle: Handle | undefined) => {
    if (handle !== undefined) live.delete(handle);
    original.clearTimeout(handle);
  }) as typeof clearTimeout;
  globalThis.clearInterval = ((handle: Handle | undefined) => {
    if (handle !== undefined) live.delete(handle);
    original.clearInterval(handle);
  }) as typeof clearInterval;

  return {
    live: () => live.size,
    restore() {
      Object.assign(globalThis, original);
    },
  };
}
