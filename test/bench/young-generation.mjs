/**
 * When does V8 give back the young generation? Grows new space to its largest
 * with many long-lived objects (as opening thousands of connections does),
 * then allocates short-lived garbage at a steady rate and runs a full
 * collection every 2 s, as the scale bench's memory reads do; prints the new
 * space's committed size. Below about 1,000 B/ms it shrinks, above it stays.
 *
 *   node --expose-gc bench/young-generation.mjs [bytes per second ...]
 */
import v8 from 'node:v8';

const RATES = process.argv.slice(2).map(Number);
const SECONDS = 20;
const TICK_MS = 10;

const newSpaceMB = () =>
  v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size /
  2 ** 20;

async function trial(bytesPerSecond) {
  const kept = [];
  for (let i = 0; i < 3_000_000; i++) kept.push({ i, list: [i] });
  const grown = newSpaceMB();
  let sink;
  const perTick = (bytesPerSecond * TICK_MS) / 1000;
  const garbage = setInterval(() => {
    // About 100 bytes an array of 8 small integers.
    for (let made = 0; made < perTick; made += 100) sink = new Array(8).fill(made);
  }, TICK_MS);
  const sizes = [];
  for (let s = 1; s <= SECONDS; s++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (s % 2 === 0) globalThis.gc();
    sizes.push(newSpaceMB());
  }
  clearInterval(garbage);
  kept.length = 0;
  globalThis.gc();
  const rate = `${Math.round(bytesPerSecond / 1000)} B/ms`.padStart(10);
  console.log(
    `${rate}: grown to ${grown} MB; after 5 s ${sizes[4]} MB, 10 s ${sizes[9]} MB, ${SECONDS} s ${sizes.at(-1)} MB`,
  );
  return sink;
}

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
for (const rate of RATES.length > 0
  ? RATES
  : [0, 300_000, 600_000, 900_000, 1_000_000, 3_000_000]) {
  await trial(rate);
}
