// examples/cluster-otlp: several node:cluster workers, each instrumented and
// pushing OTLP with its own service.instance.id into a real VictoriaMetrics.
// The sum over instances must equal the connections opened, exactly, and drop
// to zero when they close.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startVictoriaMetrics, type VictoriaMetrics } from './helpers/backends.mts';
import { binariesOrSkip } from './helpers/binaries.mts';
import { freePort } from './helpers/ports.mts';
import { type NodeApp, startNodeApp } from './helpers/processes.mts';
import { waitFor } from './helpers/wait.mts';

const EXAMPLE = fileURLToPath(new URL('../../examples/cluster-otlp/', import.meta.url));
const SERVICE = 'ws-otel-e2e-cluster';
const WORKERS = 3;
const CONNECTIONS = 30;
const OPEN = `websocket_server_active_connections{service_name="${SERVICE}"}`;
const { binaries, skip } = binariesOrSkip();

describe('examples/cluster-otlp into a real VictoriaMetrics', { skip }, () => {
  let vm: VictoriaMetrics;
  let cluster: NodeApp;
  let port: number;
  const clients: WebSocket[] = [];

  before(async () => {
    vm = await startVictoriaMetrics(binaries!);
    port = await freePort();
    cluster = startNodeApp(['cluster.js'], {
      cwd: EXAMPLE,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        WORKERS: String(WORKERS),
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: vm.otlpMetricsUrl,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
      },
    });
    await cluster.line((line) => line.ready === true);
  });

  after(async () => {
    for (const ws of clients) ws.terminate();
    await cluster?.stop();
    await vm?.stop();
  });

  /** Per instance: open connections, summed over health states. */
  async function perInstance(): Promise<Map<string, number>> {
    const series = await vm.query(`sum by (service_instance_id) (${OPEN})`);
    return new Map(series.map((s) => [s.metric.service_instance_id!, s.values[0]![1]]));
  }

  it(`${CONNECTIONS} connections over ${WORKERS} workers sum to ${CONNECTIONS} over instances`, async () => {
    for (let i = 0; i < CONNECTIONS; i++) clients.push(new WebSocket(`ws://127.0.0.1:${port}`));
    await Promise.all(clients.map((ws) => once(ws, 'open')));
    // One echo each, so every connection is fully set up on its worker.
    await Promise.all(
      clients.map(async (ws) => {
        ws.send('hello');
        await once(ws, 'message');
      }),
    );

    const total = await waitFor(`the sum over instances to reach ${CONNECTIONS}`, async () => {
      const value = await vm.value(`sum(${OPEN})`);
      return value === CONNECTIONS ? value : undefined;
    });
    assert.equal(total, CONNECTIONS);

    const instances = await perInstance();
    assert.equal(instances.size, WORKERS, `instances: ${[...instances.keys()].join(', ')}`);
    for (const [instance, open] of instances) {
      assert.match(instance, /-worker-[1-3]$/);
      assert.ok(open > 0, `${instance} got no connection`);
    }
    assert.equal(
      [...instances.values()].reduce((a, b) => a + b, 0),
      CONNECTIONS,
    );

    // A second later, after more pushes from every worker, still exactly the same.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(await vm.value(`sum(${OPEN})`), CONNECTIONS);
    assert.equal(
      await vm.value(`sum(websocket_server_received_messages_total{service_name="${SERVICE}"})`),
      CONNECTIONS,
    );
  });

  it('drops to zero on every instance when the connections close', async () => {
    await Promise.all(
      clients.map(async (ws) => {
        ws.close(1000);
        await once(ws, 'close');
      }),
    );
    await waitFor('the sum over instances to drop to 0', async () => {
      const value = await vm.value(`sum(${OPEN})`);
      return value === 0 ? value : undefined;
    });
    const instances = await perInstance();
    assert.equal(instances.size, WORKERS);
    for (const [instance, open] of instances) assert.equal(open, 0, instance);
    const ended = await waitFor('every close to be counted', async () => {
      const value = await vm.value(
        `sum(websocket_server_connection_duration_seconds_count{service_name="${SERVICE}", websocket_close_code="1000", websocket_close_initiator="client"})`,
      );
      return value === CONNECTIONS ? value : undefined;
    });
    assert.equal(ended, CONNECTIONS);
  });

  it('stops on SIGTERM: every worker closes and flushes, the primary exits', async () => {
    const exit = await cluster.stop('SIGTERM', 15000);
    assert.equal(exit.code, 0, cluster.output());
    // No worker died on the way: the primary restarts one that ends unasked.
    assert.doesNotMatch(cluster.output(), /starting it again/);
  });
});
