import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
// The parser is internal; its build sits next to the public entry.
import {
  MAX_RTT_SAMPLES,
  parseReport,
  REPORTED_ERROR_TYPES,
} from '../dist/reports/client-reports.js';
import { runFixture } from './helpers/child.mts';

type Points = Array<[Record<string, string>, number | [number, number]]>;

describe('client reports over a real socket', () => {
  const run = runFixture<{
    hostileCount: number;
    hostileMs: number;
    flood: number;
    appMessages: string[];
    acks: string[];
    heapGrowthBytes: number;
    seriesBefore: number;
    seriesAfter: number;
    reports: Points;
    reportedRtt: Points;
    reportedReconnects: Points;
    reportedErrors: Points;
  }>(['--expose-gc', 'client-reports.cjs'], { timeoutMs: 120000 });

  it('reject every hostile report and all but one per second of a flood', async () => {
    const r = await run;
    const outcome = Object.fromEntries(
      r.reports.map(([a, v]) => [a['websocket.report.outcome'], v]),
    );
    const accepted = outcome.accepted as number;
    assert.equal(accepted + (outcome.rejected as number), 1 + r.hostileCount + r.flood);
    assert.ok(accepted >= 1);
    assert.ok(
      accepted <= 1 + Math.ceil(r.hostileMs / 1000),
      `${accepted} accepted in ${r.hostileMs} ms`,
    );
    // Only what accepted reports carried was recorded: 3 samples, 2 reconnects, 1 + 3 errors each.
    const [count, sum] = r.reportedRtt[0]![1] as [number, number];
    assert.equal(count, 3 * accepted);
    assert.ok(Math.abs(sum - 0.0529 * accepted) < 1e-9, `sum of round trips ${sum}`);
    assert.deepEqual(r.reportedReconnects, [[{}, 2 * accepted]]);
    assert.deepEqual(Object.fromEntries(r.reportedErrors.map(([a, v]) => [a['error.type'], v])), {
      probe_timeout: accepted,
      other: 3 * accepted,
    });
  });

  it('keep reporter frames from the app, and leave the app’s own messages untouched', async () => {
    const { appMessages } = await run;
    assert.deepEqual(appMessages, [
      'app-1',
      'app-2',
      '\u001enot ours: an app frame that starts with a record separator',
      'app-3',
    ]);
  });

  it('answer probes, at most one per 100 ms', async () => {
    const { acks, hostileMs } = await run;
    assert.equal(acks[0], '\u001ewsotel/1 ack abc123');
    assert.ok(acks.length >= 1 && acks.length <= 2 + Math.ceil(hostileMs / 100));
  });

  it('keep memory and series count flat', async () => {
    const r = await run;
    assert.equal(r.seriesAfter, r.seriesBefore);
    assert.ok(r.heapGrowthBytes < 4 * 1024 * 1024, `heap grew ${r.heapGrowthBytes} bytes`);
  });
});

describe('the report parser (property-based)', () => {
  const validReport = fc.record({
    v: fc.constant(1),
    rttMs: fc.array(fc.double({ min: 0, max: 60000, noNaN: true }), { maxLength: MAX_RTT_SAMPLES }),
    reconnects: fc.integer({ min: 0, max: 1000 }),
    errors: fc.dictionary(
      fc.constantFrom(...REPORTED_ERROR_TYPES),
      fc.integer({ min: 0, max: 1000 }),
    ),
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          parseReport(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts every valid report and returns exactly its values', () => {
    fc.assert(
      fc.property(validReport, (report) => {
        const parsed = parseReport(JSON.stringify(report));
        assert.ok(parsed);
        assert.deepEqual(
          parsed.rttMs,
          report.rttMs.map((x) => JSON.parse(JSON.stringify(x))),
        );
        assert.equal(parsed.reconnects, report.reconnects);
        assert.deepEqual(parsed.errors, { ...report.errors });
      }),
    );
  });

  it('rejects a valid report with any one field broken', () => {
    const breakage = fc.oneof(
      fc.record({
        key: fc.constant('v'),
        value: fc.oneof(fc.integer({ min: 2 }), fc.string(), fc.constant(null)),
      }),
      fc.record({
        key: fc.constant('rttMs'),
        value: fc.oneof(
          fc.array(fc.double({ min: 60000.001, noNaN: true }), { minLength: 1 }),
          fc.array(fc.double({ max: -0.001, noNaN: true }), { minLength: 1 }),
          fc.array(fc.constant(1), {
            minLength: MAX_RTT_SAMPLES + 1,
            maxLength: MAX_RTT_SAMPLES + 5,
          }),
          fc.string(),
        ),
      }),
      fc.record({
        key: fc.constant('reconnects'),
        value: fc.oneof(
          fc.integer({ min: 1001 }),
          fc.integer({ max: -1 }),
          fc.double({ min: 0.1, max: 0.9 }),
        ),
      }),
      fc.record({
        key: fc.constant('errors'),
        value: fc.oneof(
          fc.dictionary(
            fc.string().filter((k) => !(REPORTED_ERROR_TYPES as readonly string[]).includes(k)),
            fc.constant(1),
            { minKeys: 1 },
          ),
          fc.array(fc.integer()),
        ),
      }),
      fc.record({
        key: fc.string().filter((k) => !['v', 'rttMs', 'reconnects', 'errors'].includes(k)),
        value: fc.jsonValue(),
      }),
    );
    fc.assert(
      fc.property(validReport, breakage, (report, { key, value }) => {
        const broken = { ...report, [key]: value };
        assert.equal(parseReport(JSON.stringify(broken)), undefined, JSON.stringify(broken));
      }),
    );
  });
});
