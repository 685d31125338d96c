/**
 * Allocation sampling for `profile.mjs` (BENCH_PROFILE_KIND=alloc): V8's
 * sampling heap profiler, told to keep the objects young and full
 * collections freed, so the profile shows what the window allocated, not
 * only what survived it. Off unless BENCH_ALLOC_PROFILE names a folder.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** One sample every this many bytes on average (V8's default is 32 KiB). */
const SAMPLING_INTERVAL_BYTES = 1024;

export function allocationSampler(dir = process.env.BENCH_ALLOC_PROFILE) {
  if (dir === undefined || dir === '') return undefined;
  let session;
  return {
    async start() {
      session = new Session();
      session.connect();
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: SAMPLING_INTERVAL_BYTES,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    /** Stops and writes the profile to `dir` (Chrome DevTools opens `.heapprofile`). */
    async stop() {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      writeFileSync(`${dir}/allocations.heapprofile`, JSON.stringify(profile));
    },
  };
}
