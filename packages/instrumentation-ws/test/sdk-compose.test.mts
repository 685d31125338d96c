// register next to another OpenTelemetry SDK in one process: it joins a
// MeterProvider registered before ws loads (either side of it on the command
// line), sets up its own when it is first, and stays the one exporter when an
// SDK starts after ws loaded. Real processes, real ports, real scrapes; the
// package-level end-to-end tests (test/e2e/sdk-compose) do the same with
// NodeSDK and auto-instrumentations installed from the packed tarball.
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { describe, it } from 'node:test';
import { startNode } from './helpers/child.mts';
import { freePort } from './helpers/ports.mts';
import { fetchText, parsePrometheus, sampleValue } from './helpers/prometheus.mts';

const REGISTER = '@ws-otel/instrumentation-ws/register';
const TEXT = { websocket_message_type: 'text' };
const RUNTIME_FAMILIES = [
  'nodejs_eventloop_delay_p99',
  'nodejs_eventloop_utilization',
  'v8js_gc_duration_count',
  'v8js_memory_heap_used',
  'process_cpu_time_total',
  'process_memory_usage',
];

/** Whether something accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `args` under node with register's own Prometheus endpoint on a free port. */
async function startWithPrometheus(args: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const app = startNode(args, {
    env: {
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      ...env,
    },
  });
  return { app, port };
}

async function scrape(port: number) {
  const { status, body } = await fetchText(`http://127.0.0.1:${port}/metrics`);
  assert.equal(status, 200);
  return { body, samples: parsePrometheus(body) };
}

function assertAppTraffic(samples: ReturnType<typeof parsePrometheus>): void {
  // zero-code-app: 3 clients x 2 text messages, echoed; one closed.
  for (const side of ['server', 'client']) {
    assert.equal(
      sampleValue(samples, `websocket_${side}_received_messages_total`, TEXT),
      6,
      `${side} text messages`,
    );
    assert.equal(sampleValue(samples, `websocket_${side}_handshake_duration_count`), 3, side);
  }
}

// foreign-warning.cjs: a line of another component, which is the owning SDK's to print.
const JOIN_ORDERS = [
  {
    name: 'preloaded before register',
    args: [
      '--require',
      './user-sdk.cjs',
      '--require',
      REGISTER,
      '--require',
      './foreign-warning.cjs',
    ],
  },
  {
    name: 'preloaded after register',
    args: [
      '--require',
      REGISTER,
      '--require',
      './foreign-warning.cjs',
      '--require',
      './user-sdk.cjs',
    ],
  },
];

for (const order of JOIN_ORDERS) {
  describe(`register with a user's SDK ${order.name}`, () => {
    it("prints nothing without OTEL_LOG_LEVEL: other components' lines are that SDK's to print", async () => {
      const app = startNode([...order.args, 'zero-code-app.cjs'], {
        env: { USER_PROMETHEUS_PORT: String(await freePort()), APP_EXIT: '1' },
      });
      const result = await app.exited;
      assert.match(result.stdout, /"ready":true/);
      assert.equal(result.stderr, '');
      assert.doesNotMatch(result.stdout, /register:/);
    });

    it('joins it: ws metrics on its exporter once, no port, runtime metrics or signal handler of its own', async () => {
      const userPort = await freePort();
      const ourPort = await freePort();
      const app = startNode([...order.args, 'zero-code-app.cjs'], {
        env: {
          USER_PROMETHEUS_PORT: String(userPort),
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(ourPort),
          OTEL_LOG_LEVEL: 'info',
        },
      });
      await app.ready;
      assert.match(app.output().stdout, /"userSdkRegistered":true/);
      const { samples } = await scrape(userPort);
      assertAppTraffic(samples);
      for (const family of RUNTIME_FAMILIES) {
        assert.equal(sampleValue(samples, family), undefined, `${family} added to the user's SDK`);
      }
      assert.equal(await listening(ourPort), false, 'register opened a Prometheus port of its own');

      // No handler of register's: SIGTERM ends the process at once, by the signal.
      app.child.kill('SIGTERM');
      const result = await app.exited;
      assert.equal(result.signal, 'SIGTERM');
      // OTEL_LOG_LEVEL set: every line at that level, the other component's too.
      assert.equal(result.stderr, 'another-component: a warning before ws loads\n');
      // DiagConsoleLogger writes info lines with console.info, to stdout.
      const said = result.stdout.split('\n').filter((line) => line.includes('register:'));
      assert.equal(said.length, 1, result.stdout);
      assert.match(said[0]!, /a MeterProvider was already registered by another OpenTelemetry SDK/);
    });
  });
}

describe('register first, then an SDK started after ws loaded', () => {
  it('keeps exporting ws metrics once, and says so in one line instead of a stack trace', async () => {
    const userPort = await freePort();
    const ourPort = await freePort();
    const app = startNode(['--require', REGISTER, 'zero-code-late-sdk.cjs'], {
      env: {
        USER_PROMETHEUS_PORT: String(userPort),
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(ourPort),
      },
    });
    await app.ready;
    assert.match(app.output().stdout, /"userSdkRegistered":false/);
    assertAppTraffic((await scrape(ourPort)).samples);
    const theirs = await scrape(userPort);
    assert.doesNotMatch(theirs.body, /websocket_/, 'ws metrics exported twice');
    app.child.kill('SIGTERM');
    const result = await app.exited;
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /another OpenTelemetry SDK started after ws was loaded/);
    assert.doesNotMatch(result.stderr, /duplicate registration|\n\s+at /);
  });
});

describe('register alone', () => {
  it('prints what other components logged before ws loaded, once it owns the SDK', async () => {
    const args = ['--require', REGISTER, '--require', './foreign-warning.cjs', 'zero-code-app.cjs'];
    const { app } = await startWithPrometheus(args);
    await app.ready;
    app.child.kill('SIGTERM');
    assert.equal((await app.exited).stderr, 'another-component: a warning before ws loads\n');
  });

  it('exports runtime metrics and a resource like NodeSDK builds', async () => {
    const { app, port } = await startWithPrometheus(['--require', REGISTER, 'zero-code-app.cjs']);
    await app.ready;
    // The event-loop delay histogram has values once it has sampled a while.
    let samples = (await scrape(port)).samples;
    for (
      let tries = 0;
      tries < 50 && !samples.some((s) => s.name === RUNTIME_FAMILIES[0]);
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      samples = (await scrape(port)).samples;
    }
    assertAppTraffic(samples);
    for (const family of RUNTIME_FAMILIES) {
      assert.ok(
        samples.some((s) => s.name === family),
        `${family} missing`,
      );
    }
    // runtime-node's v8js.resource.active lists every handle at each collection: left out.
    assert.ok(!samples.some((s) => s.name === 'v8js_resource_active'));
    const target = samples.find((s) => s.name === 'target_info')!.labels;
    assert.match(target.service_instance_id!, /^[0-9a-f-]{36}$/);
    assert.ok(target.host_name);
    assert.equal(target.process_pid, String(app.child.pid));
    app.child.kill('SIGTERM');
    assert.equal((await app.exited).stderr, '');
  });

  it('OTEL_WS_RUNTIME_METRICS=false leaves them out; OTEL_NODE_RESOURCE_DETECTORS picks detectors', async () => {
    const { app, port } = await startWithPrometheus(['--require', REGISTER, 'zero-code-app.cjs'], {
      OTEL_WS_RUNTIME_METRICS: 'false',
      OTEL_NODE_RESOURCE_DETECTORS: 'env,serviceinstance',
      OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=mine',
    });
    await app.ready;
    // Long enough for the event-loop histogram to have shown up (the test above).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { samples } = await scrape(port);
    assertAppTraffic(samples);
    for (const family of RUNTIME_FAMILIES) {
      assert.equal(sampleValue(samples, family), undefined, `${family} despite the opt-out`);
    }
    const target = samples.find((s) => s.name === 'target_info')!.labels;
    // As in NodeSDK, the environment's attributes win over detected ones.
    assert.equal(target.service_instance_id, 'mine');
    assert.equal(target.host_name, undefined);
    assert.equal(target.process_pid, undefined);
    app.child.kill('SIGTERM');
    assert.equal((await app.exited).stderr, '');
  });
});
