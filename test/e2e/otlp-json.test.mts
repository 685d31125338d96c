// OTLP over HTTP with JSON encoding, which VictoriaMetrics refuses, into a
// small receiver of our own that decodes the payload: the same scripted run
// must arrive with its exact values, its units and its resource.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startNodeApp } from './helpers/processes.mts';
import { BROADCAST_BYTES, REPORT_BYTES, SCRIPTED_APP_ENV, SLOW_BYTES } from './scripted-run.mts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type KeyValue = { key: string; value: AnyValue };
interface DataPoint {
  attributes?: KeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}
interface Metric {
  name: string;
  unit?: string;
  sum?: { dataPoints: DataPoint[]; aggregationTemporality: number; isMonotonic?: boolean };
  gauge?: { dataPoints: DataPoint[] };
  histogram?: { dataPoints: DataPoint[]; aggregationTemporality: number };
}
interface Payload {
  resourceMetrics: Array<{
    resource: { attributes: KeyValue[] };
    scopeMetrics: Array<{ scope: { name: string }; metrics: Metric[] }>;
  }>;
}

function plain(attributes: KeyValue[] = []): Record<string, string> {
  return Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      String(value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue),
    ]),
  );
}

const received: Array<{ path: string; type: string; payload: Payload }> = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    received.push({
      path: req.url ?? '',
      type: req.headers['content-type'] ?? '',
      payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Payload,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

describe('OTLP http/json into a receiver that takes JSON', () => {
  let metrics: Map<string, Metric>;
  let resource: Record<string, string>;

  before(async () => {
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const { port } = receiver.address() as { port: number };
    const app = startNodeApp(
      ['--require', '@ws-otel/instrumentation-ws/register', 'scripted-app.cjs'],
      {
        cwd: FIXTURES,
        env: {
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          // Only the flush at SIGTERM exports: one payload with the final values.
          OTEL_METRIC_EXPORT_INTERVAL: '600000',
          OTEL_SERVICE_NAME: 'ws-otel-e2e-json',
          OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=json-1,deployment.environment.name=e2e',
          ...SCRIPTED_APP_ENV,
        },
      },
    );
    await app.line((line) => line.round === 1);
    const exit = await app.stop('SIGTERM');
    assert.equal(exit.signal, 'SIGTERM', app.output());
    assert.equal(received.length, 1, app.output());
    const [resourceMetrics] = received[0]!.payload.resourceMetrics;
    resource = plain(resourceMetrics!.resource.attributes);
    metrics = new Map();
    for (const scope of resourceMetrics!.scopeMetrics) {
      for (const metric of scope.metrics) metrics.set(metric.name, metric);
    }
  });

  after(() => receiver.close());

  /** The value (or histogram count) of the point whose attributes are exactly `attributes`. */
  function pointValue(name: string, attributes: Record<string, string>): number | undefined {
    const metric = metrics.get(name);
    assert.ok(metric, `${name} was not exported`);
    const points = (metric.sum ?? metric.gauge ?? metric.histogram)!.dataPoints;
    const point = points.find((p) => {
      const got = plain(p.attributes);
      return (
        Object.keys(got).length === Object.keys(attributes).length &&
        Object.entries(attributes).every(([key, value]) => got[key] === value)
      );
    });
    if (!point) return undefined;
    return Number(point.count ?? point.asInt ?? point.asDouble);
  }

  it('arrives as JSON at /v1/metrics with the resource from the environment', () => {
    assert.equal(received[0]!.path, '/v1/metrics');
    assert.match(received[0]!.type, /application\/json/);
    assert.equal(resource['service.name'], 'ws-otel-e2e-json');
    assert.equal(resource['service.instance.id'], 'json-1');
    assert.equal(resource['deployment.environment.name'], 'e2e');
  });

  it('carries the exact values of one round, cumulative, with OpenTelemetry units', () => {
    const text = { 'websocket.message.type': 'text' };
    const binary = { 'websocket.message.type': 'binary' };
    const checks: Array<[string, Record<string, string>, number]> = [
      ['websocket.server.active_connections', { 'websocket.connection.health': 'healthy' }, 2],
      // Text received: 15 echoed messages and the 2 report frames.
      ['websocket.server.received.messages', text, 15 + 2],
      ['websocket.server.received.bytes', text, 240 + REPORT_BYTES],
      ['websocket.server.received.messages', binary, 10],
      // Sent: the echoes, the broadcast to 2 survivors, 16 MiB to the slow client.
      ['websocket.server.sent.bytes', text, 240 + 2 * BROADCAST_BYTES],
      ['websocket.server.sent.bytes', binary, 640 + SLOW_BYTES],
      // 5, and the silent and slow clients the heartbeat ends.
      ['websocket.server.handshake.duration', {}, 5 + 2],
      ['websocket.server.handshake.duration', { 'error.type': '401' }, 2],
      [
        'websocket.server.connection.duration',
        { 'websocket.close.code': '1000', 'websocket.close.initiator': 'client' },
        1,
      ],
      [
        'websocket.server.connection.duration',
        {
          'websocket.close.code': '1006',
          'websocket.close.initiator': 'none',
          'error.type': 'connection_lost',
        },
        1,
      ],
      ['websocket.server.errors', { 'error.type': 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }, 1],
      ['websocket.server.errors', { 'error.type': 'send_not_open' }, 1],
      [
        'websocket.server.message.size',
        { 'websocket.message.direction': 'received', 'websocket.message.type': 'binary' },
        10,
      ],
      [
        'websocket.server.connection.duration',
        {
          'websocket.close.code': '1006',
          'websocket.close.initiator': 'server',
          'error.type': 'heartbeat_timeout',
        },
        2,
      ],
      ['websocket.server.heartbeat.timeouts', {}, 2],
      ['websocket.server.heartbeat.terminations', {}, 2],
      ['websocket.server.broadcast.recipients', { 'websocket.broadcast.outcome': 'success' }, 1],
      ['websocket.server.broadcast.duration', { 'websocket.broadcast.outcome': 'success' }, 1],
      ['websocket.server.backpressured_connections', {}, 0],
      ['websocket.server.send_queue.size', {}, 0],
      ['websocket.server.reports', { 'websocket.report.outcome': 'accepted' }, 1],
      ['websocket.server.reports', { 'websocket.report.outcome': 'rejected' }, 1],
      ['websocket.server.reported.rtt', {}, 2],
      ['websocket.server.reported.reconnects', {}, 1],
      ['websocket.server.reported.errors', { 'error.type': 'other' }, 1],
    ];
    const wrong = checks
      .map(
        ([name, attributes, value]) =>
          [name, attributes, value, pointValue(name, attributes)] as const,
      )
      .filter(([, , value, got]) => got !== value)
      .map(
        ([name, attributes, value, got]) =>
          `${name} ${JSON.stringify(attributes)}: ${got}, expected ${value}`,
      );
    assert.deepEqual(wrong, []);

    const CUMULATIVE = 2;
    assert.equal(
      metrics.get('websocket.server.received.messages')!.sum!.aggregationTemporality,
      CUMULATIVE,
    );
    assert.equal(metrics.get('websocket.server.received.messages')!.sum!.isMonotonic, true);
    assert.equal(
      metrics.get('websocket.server.connection.duration')!.histogram!.aggregationTemporality,
      CUMULATIVE,
    );
    assert.equal(metrics.get('websocket.server.connection.duration')!.unit, 's');
    assert.equal(metrics.get('websocket.server.sent.bytes')!.unit, 'By');
    assert.equal(metrics.get('websocket.server.active_connections')!.unit, '{connection}');
    // The units behind the Prometheus names: `s` and `By` add a suffix, annotations do not.
    const units = Object.fromEntries(
      [
        'websocket.server.heartbeat.rtt',
        'websocket.server.heartbeat.timeouts',
        'websocket.server.heartbeat.terminations',
        'websocket.server.send_queue.size',
        'websocket.server.backpressured_connections',
        'websocket.server.broadcast.duration',
        'websocket.server.broadcast.recipients',
        'websocket.server.reported.rtt',
        'websocket.server.reports',
      ].map((name) => [name, metrics.get(name)?.unit]),
    );
    assert.deepEqual(units, {
      'websocket.server.heartbeat.rtt': 's',
      'websocket.server.heartbeat.timeouts': '{timeout}',
      'websocket.server.heartbeat.terminations': '{connection}',
      'websocket.server.send_queue.size': 'By',
      'websocket.server.backpressured_connections': '{connection}',
      'websocket.server.broadcast.duration': 's',
      'websocket.server.broadcast.recipients': '{connection}',
      'websocket.server.reported.rtt': 's',
      'websocket.server.reports': '{report}',
    });
    assert.ok(metrics.get('websocket.server.send_queue.size')!.gauge, 'send_queue.size is a gauge');
  });
});
