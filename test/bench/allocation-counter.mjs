/**
 * Bytes the JavaScript heap allocated over a window, from V8's own heap
 * accounting rather than a sample: V8 reports the used heap before and
 * after every collection (`v8.GCProfiler`), so what was allocated is the
 * growth between one collection's end and the next one's start, summed over
 * the window. Unlike CPU time it hardly moves between runs (about ±20 B per
 * churned connection here), so it shows small changes that CPU noise hides.
 * Buffer contents kept outside the heap are not counted.
 */
import v8 from 'node:v8';

const usedHeap = () => v8.getHeapStatistics().used_heap_size;

export function allocationCounter() {
  const profiler = new v8.GCProfiler();
  profiler.start();
  const startUsed = usedHeap();
  return {
    /** Stops counting; returns the bytes allocated since the counter started. */
    stop() {
      const endUsed = usedHeap();
      const { statistics } = profiler.stop();
      let allocated = 0;
      let afterLast = startUsed;
      for (const collection of statistics) {
        allocated += collection.beforeGC.heapStatistics.usedHeapSize - afterLast;
        afterLast = collection.afterGC.heapStatistics.usedHeapSize;
      }
      return allocated + endUsed - afterLast;
    },
  };
}
