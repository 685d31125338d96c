// Faults around a running app, against a real VictoriaMetrics: the OTLP
// endpoint goes away under steady traffic (stopped, so its port refuses) and
// comes back on the same port. The outage lasts 20 s, 80 export intervals of
// 250 ms: in production terms, more than an hour of a one-minute interval.
// Memory stays flat, the app's own message rate holds, the app prints one
// line, and once the endpoint is back the totals it stores are exact.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startVictoriaMetrics, type VictoriaMetrics } from './helpers/backends.mts';
import { binariesOrSkip } from './helpers/binaries.mts';
import { type NodeApp, startNodeApp } from './helpers/processes.mts';
import { waitFor } from './helpers/wait.mts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SERVICE = 'ws-otel-e2e-outage';
const RECEIVED = `sum(websocket_server_received_messages_total{service_name="${SERVICE}"})`;
const OUTAGE_MS = 20000;
const { binaries, skip } = binariesOrSkip();

interface Sample {
  received: number;
  at: number;
  heap: number;
}

describe('an OTLP endpoint that refuses for a long while, under traffic', { skip }, () => {
  let vm: VictoriaMetrics;
  let app: NodeApp;
  let samples = 0;
  const sample = async (): Promise<Sample> => {
    const id = ++samples;
    app.send(`sample ${id}`);
    return app.line<Sample & { sample: number }>((line) => line.sample === id);
  };

  before(async () => {
    vm = await startVictoriaMetrics(binaries!);
    app = startNodeApp(
      ['--expose-gc', '--require', '@ws-otel/instrumentation-ws/register', 'outage-app.cjs'],
      {
        cwd: FIXTURES,
        env: {
          OTEL_SERVICE_NAME: SERVICE,
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: vm.otlpMetricsUrl,
          OTEL_METRIC_EXPORT_INTERVAL: '250',
        },
      },
    );
    await app.line((line) => line.ready === true);
  });

  after(async () => {
    await app?.stop();
    await vm?.stop();
  });

  it('holds memory and throughput, says so once, and the totals are exact once it is back', async (t) => {
    await waitFor(
      'the first export',
      async () => ((await vm.value(RECEIVED)) ?? 0) > 0 || undefined,
    );
    const port = Number(new URL(vm.url).port);
    const before1 = await sample();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before2 = await sample();
    await vm.stop();
    const during: Sample[] = [];
    const outageStart = Date.now();
    while (Date.now() - outageStart < OUTAGE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 4000));
      during.push(await sample());
    }
    vm = await startVictoriaMetrics(binaries!, port);
    app.send('stop');
    const final = await app.line<{ stopped: boolean; sent: number; received: number }>(
      (line) => line.stopped === true,
    );
    assert.equal(final.received, final.sent);
    // Totals are cumulative: the first export after the return carries all of them.
    await waitFor(
      `${RECEIVED} to reach ${final.received}`,
      async () => ((await vm.value(RECEIVED)) === final.received ? true : undefined),
      { timeoutMs: 20000 },
    );

    const rate = (a: Sample, b: Sample) => (b.received - a.received) / ((b.at - a.at) / 1000);
    const baseline = rate(before1, before2);
    t.diagnostic(
      `messages/s before ${baseline.toFixed(0)}, during ${during
        .slice(1)
        .map((s, i) => rate(during[i]!, s).toFixed(0))
        .join(', ')}; heap during ${during.map((s) => (s.heap / 1e6).toFixed(1)).join(', ')} MB`,
    );
    for (let i = 1; i < during.length; i++) {
      const r = rate(during[i - 1]!, during[i]!);
      assert.ok(
        r > 0.7 * baseline,
        `message rate fell to ${r.toFixed(0)}/s from ${baseline.toFixed(0)}/s`,
      );
    }
    // Memory after GC: what it was in the first seconds of the outage, give or take 10%.
    const first = during[0]!.heap;
    const last = during.at(-1)!.heap;
    assert.ok(last < first * 1.1, `heap grew from ${first} to ${last} bytes during the outage`);

    const result = await app.stop();
    assert.equal(result.signal, 'SIGTERM');
    const lines = app
      .output()
      .split('\n')
      .filter((line) => line.includes('@ws-otel/instrumentation-ws'));
    assert.equal(lines.length, 1, app.output());
    assert.match(lines[0]!, /metrics export failed \(.*refused the connection \(ECONNREFUSED\)/);
  });
});

describe('SIGTERM during traffic', { skip }, () => {
  let vm: VictoriaMetrics;
  before(async () => {
    vm = await startVictoriaMetrics(binaries!);
  });
  after(async () => {
    await vm?.stop();
  });

  for (const appHandler of [false, true]) {
    it(`${appHandler ? 'with' : 'without'} an app handler: the last flush arrives, the app ends as it would have, nothing printed`, async () => {
      const service = `${SERVICE}-sigterm-${appHandler ? 'app' : 'none'}`;
      const app = startNodeApp(
        ['--expose-gc', '--require', '@ws-otel/instrumentation-ws/register', 'outage-app.cjs'],
        {
          cwd: FIXTURES,
          env: {
            APP_SIGTERM: appHandler ? '1' : '',
            OTEL_SERVICE_NAME: service,
            OTEL_METRICS_EXPORTER: 'otlp',
            OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: vm.otlpMetricsUrl,
            // Longer than the test: only the flush at SIGTERM can deliver.
            OTEL_METRIC_EXPORT_INTERVAL: '600000',
          },
        },
      );
      let received: number;
      let result: { code: number | null; signal: NodeJS.Signals | null };
      try {
        await app.line((line) => line.ready === true);
        await new Promise((resolve) => setTimeout(resolve, 500));
        app.send('sample 1');
        ({ received } = await app.line<Sample & { sample: number }>((l) => l.sample === 1));
        assert.ok(received > 0, 'no traffic before SIGTERM');
        app.child.kill('SIGTERM');
        result = await app.exited;
      } finally {
        await app.stop('SIGKILL', 0);
      }
      if (appHandler) {
        assert.equal(result.code, 0, app.output());
        assert.match(app.output(), /"appHandled":true/);
      } else {
        assert.equal(result.signal, 'SIGTERM', app.output());
      }
      const flushed = await waitFor(`the flush of ${service}`, () =>
        vm.value(`sum(websocket_server_received_messages_total{service_name="${service}"})`),
      );
      assert.ok(flushed >= received, `flushed ${flushed}, the app had ${received} before SIGTERM`);
      assert.doesNotMatch(app.output(), /@ws-otel\/instrumentation-ws/);
    });
  }
});
