/**
 * The event loop's long waits, told apart by where their time went. A 2 ms
 * timer notes every gap between two of its runs longer than `thresholdMs`,
 * with the main thread's own CPU time over that gap
 * (`process.threadCpuUsage()`) and the garbage collection pauses that fell
 * inside it (a PerformanceObserver on 'gc'). A gap the thread spent little
 * CPU in is time off the CPU: the process was runnable and waiting for a
 * core (or blocked in the kernel); a gap full of CPU is work, GC or not.
 * Opt-in (`BENCH_SCALE_STALLS=1` in the scale bench): the timer wakes the
 * loop 500 times a second, in every variant alike.
 */
import { PerformanceObserver } from 'node:perf_hooks';

const EVERY_MS = 2;
/** Waits at least this long are the ones summarised. */
export const LONG_WAIT_MS = 20;

const threadCpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

export function stallWatch({ thresholdMs = 10 } = {}) {
  const gaps = [];
  const pauses = [];
  let last = performance.now();
  let lastCpu = threadCpuMs();
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = threadCpuMs();
    if (now - last > thresholdMs)
      gaps.push({ startMs: last, ms: now - last, cpuMs: cpu - lastCpu });
    last = now;
    lastCpu = cpu;
  }, EVERY_MS);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      pauses.push({ startMs: entry.startTime, ms: entry.duration });
  });
  observer.observe({ entryTypes: ['gc'] });

  return {
    /** Stops; the long waits (≥ LONG_WAIT_MS): how many, the share of their time off the CPU, the longest five. */
    stop() {
      clearInterval(timer);
      observer.disconnect();
      const long = gaps.filter((gap) => gap.ms >= LONG_WAIT_MS);
      for (const gap of long) {
        const end = gap.startMs + gap.ms;
        gap.gcMs = pauses.reduce(
          (total, pause) =>
            total +
            Math.max(
              0,
              Math.min(end, pause.startMs + pause.ms) - Math.max(gap.startMs, pause.startMs),
            ),
          0,
        );
      }
      const totalMs = long.reduce((total, gap) => total + gap.ms, 0);
      const onCpuMs = long.reduce((total, gap) => total + Math.min(gap.ms, gap.cpuMs), 0);
      return {
        longWaits: long.length,
        offCpuShare: totalMs === 0 ? 0 : 1 - onCpuMs / totalMs,
        longest: long
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 5)
          .map(({ ms, cpuMs, gcMs }) => ({ ms, cpuMs, gcMs })),
      };
    },
  };
}
