/**
 * scrape: one /metrics collection through the Prometheus endpoint at 10 and
 * at 10,000 open connections, in the same server process: wall time as the
 * scraper sees it, server CPU, body size and series count. Instrumented
 * variants only (bare has no endpoint). Two batches run at 10 connections:
 * the second, warmer one is the reference for 10,000, and second ÷ first is
 * the A/A.
 */
import { Agent, get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import * as format from '../format.mjs';
import { openConnections, startLoaders, stopAll } from '../processes.mjs';
import { completeRounds, median, spread, verdict } from '../stats.mjs';

const VARIANTS = ['instrumented', 'histogram'];

function fetchMetrics(url, agent) {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    get(url, { agent }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const ms = performance.now() - startedAt;
        if (response.statusCode !== 200) reject(new Error(`GET /metrics: ${response.statusCode}`));
        else resolve({ ms, body: Buffer.concat(chunks) });
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Samples as Prometheus counts them: every line that is not a comment. */
function seriesCount(body) {
  return body
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#')).length;
}

/** The endpoint starts listening a little after the server does. */
async function untilServing(url, agent) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchMetrics(url, agent);
    } catch (error) {
      if (attempt >= 50) throw error;
      await sleep(100);
    }
  }
}

/** `samples` scrapes after `warmup` unmeasured ones: median time, server CPU each, size, series. */
async function scrapeBatch(server, agent, p) {
  for (let i = 0; i < p.warmup; i++) await fetchMetrics(server.metricsUrl, agent);
  await server.call('begin');
  const times = [];
  let last;
  for (let i = 0; i < p.samples; i++) {
    last = await fetchMetrics(server.metricsUrl, agent);
    times.push(last.ms);
  }
  const window = await server.call('end');
  return {
    ms: median(times),
    cpuUs: window.cpuUs / p.samples,
    bytes: last.body.length,
    series: seriesCount(last.body),
    monotonicUs: window.monotonicUs,
  };
}

export default {
  name: 'scrape',
  variants: VARIANTS,

  params(quick) {
    return {
      few: 10,
      many: quick ? 1000 : 10000,
      // The exporter's first collections are slow while the JIT warms up.
      warmup: 50,
      samples: quick ? 10 : 20,
      settleMs: 1000,
      loaders: 2,
      addresses: 4,
    };
  },

  async run(server, p) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const loaders = await startLoaders('load-connections.mjs', p.loaders, p.addresses);
    try {
      await untilServing(server.metricsUrl, agent);
      await openConnections(server, loaders, p.few);
      await sleep(p.settleMs);
      const few = await scrapeBatch(server, agent, p);
      const fewAgain = await scrapeBatch(server, agent, p);
      await openConnections(server, loaders, p.many - p.few, p.many);
      const { clients } = await server.call('memory', { settleMs: p.settleMs });
      if (clients !== p.many) throw new Error(`${clients} of ${p.many} connections open`);
      const many = await scrapeBatch(server, agent, p);
      return {
        few,
        fewAgain,
        many,
        timeRatio: many.ms / fewAgain.ms,
        repeatRatio: fewAgain.ms / few.ms,
        cpuRatio: many.cpuUs / fewAgain.cpuUs,
        seriesChange: many.series - few.series,
        // The window profile.mjs keeps: the scrapes at the larger count.
        window: { monotonicUs: many.monotonicUs },
      };
    } finally {
      agent.destroy();
      await stopAll(loaders);
    }
  },

  summarise(rounds, p) {
    const complete = completeRounds(rounds, VARIANTS);
    const per = (variant, pick) => spread(complete.map((round) => pick(round.runs[variant])));
    const aa = per('instrumented', (r) => r.fewAgain.ms / r.few.ms);
    const timeRatio = (v) => per(v, (r) => r.many.ms / r.fewAgain.ms);
    const cpuRatio = (v) => per(v, (r) => r.many.cpuUs / r.fewAgain.cpuUs);
    const fewToMany = (v, key, unit, digits) => {
      const few = format.absolute(
        per(v, (r) => r.fewAgain[key]),
        unit,
        digits,
      );
      const many = format.absolute(
        per(v, (r) => r.many[key]),
        unit,
        digits,
      );
      return `${few} → ${many}`;
    };
    const seriesText = (v) => {
      const few = per(v, (r) => r.few.series);
      const many = per(v, (r) => r.many.series);
      return few ? `${few.median} → ${many.median} (size ${fewToMany(v, 'bytes', 'B', 0)})` : 'n/a';
    };
    const timePass = timeRatio('instrumented') ? timeRatio('instrumented').median <= 2 : undefined;
    const seriesChanges = complete.flatMap((round) =>
      VARIANTS.map((v) => round.runs[v].seriesChange),
    );
    const many = p.many.toLocaleString('en-US');
    return {
      rows: [
        {
          metric: `scrape time, ${many} vs ${p.few} connections`,
          key: 'timeRatio',
          compare: 'ratio',
          rounds: complete.length,
          target: '≤ 2×',
          pass: timePass,
          verdict: verdict(timeRatio('instrumented'), 2),
          data: {
            aa,
            instrumented: timeRatio('instrumented'),
            histogram: timeRatio('histogram'),
            instrumentedMs: {
              few: per('instrumented', (r) => r.fewAgain.ms),
              many: per('instrumented', (r) => r.many.ms),
            },
            histogramMs: {
              few: per('histogram', (r) => r.fewAgain.ms),
              many: per('histogram', (r) => r.many.ms),
            },
          },
          cells: {
            bare: `instr. ${fewToMany('instrumented', 'ms', 'ms', 2)}`,
            aa: format.ratio(aa),
            instrumented: format.ratio(timeRatio('instrumented')),
            histogram: format.ratio(timeRatio('histogram')),
          },
        },
        {
          metric: `scrape server CPU, ${many} vs ${p.few} connections`,
          key: 'cpuRatio',
          compare: 'ratio',
          rounds: complete.length,
          target: undefined,
          pass: undefined,
          data: {
            instrumented: cpuRatio('instrumented'),
            histogram: cpuRatio('histogram'),
            instrumentedUs: {
              few: per('instrumented', (r) => r.fewAgain.cpuUs),
              many: per('instrumented', (r) => r.many.cpuUs),
            },
          },
          cells: {
            bare: `instr. ${fewToMany('instrumented', 'cpuUs', 'µs', 0)}`,
            aa: '',
            instrumented: format.ratio(cpuRatio('instrumented')),
            histogram: format.ratio(cpuRatio('histogram')),
          },
        },
        {
          metric: `series count, ${p.few} → ${many} connections`,
          key: 'seriesChange',
          compare: 'delta',
          rounds: complete.length,
          target: 'unchanged',
          pass: complete.length > 0 ? seriesChanges.every((change) => change === 0) : undefined,
          data: {
            instrumented: {
              few: per('instrumented', (r) => r.few.series),
              many: per('instrumented', (r) => r.many.series),
            },
            histogram: {
              few: per('histogram', (r) => r.few.series),
              many: per('histogram', (r) => r.many.series),
            },
          },
          cells: {
            bare: '',
            aa: '',
            instrumented: seriesText('instrumented'),
            histogram: seriesText('histogram'),
          },
        },
      ],
    };
  },
};
