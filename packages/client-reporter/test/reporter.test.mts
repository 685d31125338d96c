// The reporter over real sockets: Node's global WebSocket as the client, a
// plain ws server that speaks the protocol by itself (helpers/probe-server).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it, type TestContext } from 'node:test';
import { WebSocket as WsClient } from 'ws';
import {
  ackFrame,
  createHealthReporter,
  type HealthReporter,
  isReporterFrame,
  MAX_REPORT_FRAME_BYTES,
  MAX_RTT_SAMPLES,
  parseAck,
  probeFrame,
  REPORTED_ERROR_TYPES,
  reportFrame,
} from '../dist/index.js';
import { AckingSocket } from './helpers/fake-socket.mts';
import {
  openSocket,
  type ProbeServer,
  sleep,
  startProbeServer,
  until,
} from './helpers/probe-server.mts';
import { spyOnReporterTimers } from './helpers/timers.mts';

const PROBE_PREFIX = '\u001ewsotel/1 probe ';
/** A probe frame exactly as the protocol spells it. */
const isProbe = (frame: string) =>
  frame.startsWith(PROBE_PREFIX) && /^[0-9a-z]{1,16}$/.test(frame.slice(PROBE_PREFIX.length));
const REPORT_PREFIX = '\u001ewsotel/1 report ';
const FAST = { intervalMs: 1100, probeIntervalMs: 200, probeTimeoutMs: 1000 };

async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `ws://127.0.0.1:${port}`;
}

describe('protocol helpers', () => {
  it('recognise reporter frames and nothing else', () => {
    assert.equal(isReporterFrame(probeFrame('a1')), true);
    assert.equal(isReporterFrame(ackFrame('a1')), true);
    assert.equal(
      isReporterFrame(reportFrame({ v: 1, rttMs: [], reconnects: 0, errors: {} })),
      true,
    );
    for (const other of [
      'hello',
      '',
      '\u001e',
      '\u001ewsotel/2 ack 1',
      ' \u001ewsotel/1 ack 1',
      new Uint8Array([0x1e]),
      new ArrayBuffer(4),
      undefined,
      null,
      42,
    ]) {
      assert.equal(isReporterFrame(other), false, String(other));
    }
  });

  it('read an ack token only when it is valid', () => {
    assert.equal(parseAck('\u001ewsotel/1 ack z9'), 'z9');
    assert.equal(parseAck(`\u001ewsotel/1 ack ${'a'.repeat(16)}`), 'a'.repeat(16));
    for (const bad of [
      '\u001ewsotel/1 ack ',
      '\u001ewsotel/1 ack ABC',
      `\u001ewsotel/1 ack ${'a'.repeat(17)}`,
      '\u001ewsotel/1 ack a b',
      '\u001ewsotel/1 probe a',
      'ack a',
    ]) {
      assert.equal(parseAck(bad), undefined, JSON.stringify(bad));
    }
  });
});

/** Mocked timers and a performance.now() that moves with them; returns `advance(ms)`. */
function mockClock(t: TestContext): (ms: number) => void {
  let clock = 1000;
  t.mock.method(performance, 'now', () => clock);
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  return (ms) => {
    for (let step = 0; step < ms; step += 10) {
      clock += 10;
      t.mock.timers.tick(10);
    }
  };
}

describe('the reporter on a socket that acks at once, with mocked time', () => {
  it('keeps only the 32 newest round trips for one report', (t) => {
    const advance = mockClock(t);
    const socket = new AckingSocket();
    const reporter = createHealthReporter(socket, { intervalMs: 10000, probeIntervalMs: 200 });
    advance(10000);
    const probes = socket.sent.filter(isProbe);
    const reports = socket.sent.filter((frame) => frame.startsWith(REPORT_PREFIX));
    assert.equal(probes.length, 51, 'one probe at open, then one each 200 ms');
    assert.equal(reports.length, 1);
    const body = JSON.parse(reports[0]!.slice(REPORT_PREFIX.length));
    assert.equal(body.rttMs.length, MAX_RTT_SAMPLES);
    reporter.stop();
  });

  it("keeps its intervals above the server's limits", (t) => {
    const advance = mockClock(t);
    const socket = new AckingSocket();
    const reporter = createHealthReporter(socket, { intervalMs: 1, probeIntervalMs: 1 });
    advance(2200);
    const probes = socket.sent.filter(isProbe);
    const reports = socket.sent.filter((frame) => frame.startsWith(REPORT_PREFIX));
    assert.equal(probes.length, 12, 'one probe at open, then one each 200 ms');
    assert.equal(reports.length, 2, 'one report each 1100 ms');
    reporter.stop();
  });

  it('reports counts above the per-report cap over the next reports', (t) => {
    const advance = mockClock(t);
    const reporter = createHealthReporter(new AckingSocket(), { intervalMs: 2000 });
    let socket = new AckingSocket();
    for (let i = 0; i < 1500; i++) {
      socket = new AckingSocket();
      reporter.attach(socket);
    }
    advance(4000);
    const reports = socket.sent
      .filter((frame) => frame.startsWith(REPORT_PREFIX))
      .map((frame) => JSON.parse(frame.slice(REPORT_PREFIX.length)));
    assert.deepEqual(
      reports.map((report) => report.reconnects),
      [1000, 500],
    );
    assert.equal(reporter.snapshot().reconnects, 1500);
    reporter.stop();
  });
});

describe('the reporter against a plain ws server', () => {
  let server: ProbeServer;
  const cleanups: Array<() => void> = [];
  const track = (reporter: HealthReporter, ...sockets: Array<{ close(): void }>) => {
    cleanups.push(() => {
      reporter.stop();
      for (const socket of sockets) socket.close();
    });
    return reporter;
  };

  before(async () => {
    server = await startProbeServer();
  });
  beforeEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    server.silent = false;
  });
  after(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await server.close();
  });

  it('sends probes while open and times their acks', async () => {
    const socket = await openSocket(server.url);
    const reporter = track(createHealthReporter(socket, FAST), socket);
    const peer = () => server.peers.at(-1)!;
    await until('three acked probes', () => {
      const snapshot = reporter.snapshot();
      return snapshot.lastRttMs !== null && peer().frames.length >= 3;
    });
    const probes = peer().frames;
    for (const frame of probes) assert.ok(isProbe(frame), JSON.stringify(frame));
    assert.equal(new Set(probes).size, probes.length, 'every probe has its own token');
    const snapshot = reporter.snapshot();
    assert.equal(snapshot.state, 'open');
    assert.ok(snapshot.lastRttMs! >= 0 && snapshot.lastRttMs! < 1000, `${snapshot.lastRttMs}`);
    assert.ok(snapshot.rttP50Ms !== null && snapshot.rttP50Ms >= 0);
    assert.equal(snapshot.errors, 0);
  });

  it('sends reports with exactly the protocol fields, and each sample once', async () => {
    const socket = await openSocket(server.url);
    const reporter = track(createHealthReporter(socket, FAST), socket);
    const peer = server.peers.at(-1)!;
    const reportFrames = () => peer.frames.filter((frame) => frame.startsWith(REPORT_PREFIX));
    await until('two reports', () => reportFrames().length >= 2, 5000);
    const probesSent = peer.frames.filter(isProbe).length;
    const frames = reportFrames();
    let samples = 0;
    for (const frame of frames) {
      assert.ok(Buffer.byteLength(frame) <= MAX_REPORT_FRAME_BYTES);
      const body = JSON.parse(frame.slice(REPORT_PREFIX.length));
      assert.deepEqual(Object.keys(body).sort(), ['errors', 'reconnects', 'rttMs', 'v']);
      assert.equal(body.v, 1);
      assert.ok(Array.isArray(body.rttMs) && body.rttMs.length <= MAX_RTT_SAMPLES);
      for (const rtt of body.rttMs) assert.ok(Number.isFinite(rtt) && rtt >= 0 && rtt <= 60000);
      assert.equal(body.reconnects, 0);
      assert.deepEqual(body.errors, {});
      samples += body.rttMs.length;
    }
    assert.ok(samples > 0, 'the reports carry round trips');
    // A sample is reported once: the counters reset after each report.
    assert.ok(samples <= probesSent, `${samples} samples for ${probesSent} probes`);
    assert.equal(reporter.snapshot().reportsSent, frames.length);
  });

  it('counts a reconnect on attach() and reports it, with the abnormal close, on the new socket', async () => {
    const first = await openSocket(server.url);
    const reporter = createHealthReporter(first, FAST);
    track(reporter, first);
    await until('an ack', () => reporter.snapshot().lastRttMs !== null);
    server.peers.at(-1)!.socket.close(4000, 'go away');
    await until('the close', () => reporter.snapshot().state === 'closed');
    assert.equal(reporter.snapshot().errorsByType.closed_abnormally, 1);

    const second = await openSocket(server.url);
    track(reporter, second);
    reporter.attach(second);
    reporter.attach(second); // the same socket again is not another reconnect
    const peer = server.peers.at(-1)!;
    const reports = () =>
      peer.frames
        .filter((frame) => frame.startsWith(REPORT_PREFIX))
        .map((frame) => JSON.parse(frame.slice(REPORT_PREFIX.length)));
    await until('two reports on the new socket', () => reports().length >= 2, 5000);
    const [firstReport, secondReport] = reports();
    assert.equal(firstReport.reconnects, 1);
    assert.deepEqual(firstReport.errors, { closed_abnormally: 1 });
    assert.equal(secondReport.reconnects, 0);
    assert.deepEqual(secondReport.errors, {});
    const snapshot = reporter.snapshot();
    assert.equal(snapshot.reconnects, 1);
    assert.equal(snapshot.errors, 1);
    assert.equal(snapshot.state, 'open');
  });

  it('does not count an orderly close as an error', async () => {
    const socket = await openSocket(server.url);
    const reporter = track(createHealthReporter(socket, FAST), socket);
    server.peers.at(-1)!.socket.close(1000);
    await until('the close', () => reporter.snapshot().state === 'closed');
    assert.equal(reporter.snapshot().errors, 0);
  });

  it('counts probes that get no ack within the timeout', async () => {
    server.silent = true;
    const socket = await openSocket(server.url);
    const reporter = track(
      createHealthReporter(socket, { intervalMs: 1100, probeIntervalMs: 200, probeTimeoutMs: 150 }),
      socket,
    );
    await until('a report', () =>
      server.peers.at(-1)!.frames.some((f) => f.startsWith(REPORT_PREFIX)),
    );
    const frame = server.peers.at(-1)!.frames.find((f) => f.startsWith(REPORT_PREFIX))!;
    const body = JSON.parse(frame.slice(REPORT_PREFIX.length));
    assert.deepEqual(Object.keys(body.errors), ['probe_timeout']);
    assert.ok(body.errors.probe_timeout >= 1);
    assert.deepEqual(body.rttMs, []);
    const snapshot = reporter.snapshot();
    assert.equal(snapshot.lastRttMs, null);
    assert.ok(snapshot.errorsByType.probe_timeout >= body.errors.probe_timeout);
  });

  it('counts a failed connect once, and reports it after a successful attach()', async () => {
    const refused = new WebSocket(await refusedUrl());
    const reporter = createHealthReporter(refused, FAST);
    track(reporter);
    await until('the failure', () => reporter.snapshot().state === 'closed');
    await sleep(50);
    assert.deepEqual(reporter.snapshot().errorsByType, {
      connect_failed: 1,
      closed_abnormally: 0,
      probe_timeout: 0,
      send_failed: 0,
      other: 0,
    });
    const socket = await openSocket(server.url);
    track(reporter, socket);
    reporter.attach(socket);
    await until('a report', () =>
      server.peers.at(-1)!.frames.some((f) => f.startsWith(REPORT_PREFIX)),
    );
    const frame = server.peers.at(-1)!.frames.find((f) => f.startsWith(REPORT_PREFIX))!;
    const body = JSON.parse(frame.slice(REPORT_PREFIX.length));
    assert.equal(body.reconnects, 1);
    assert.deepEqual(body.errors, { connect_failed: 1 });
  });

  it('counts a send that throws and never lets it reach the app', async () => {
    const socket = await openSocket(server.url);
    Object.defineProperty(socket, 'send', {
      value: () => {
        throw new Error('send refused');
      },
    });
    const reporter = track(createHealthReporter(socket, FAST), socket);
    await until('failed sends', () => reporter.snapshot().errorsByType.send_failed >= 2);
    await sleep(100);
    const snapshot = reporter.snapshot();
    assert.equal(snapshot.state, 'open');
    assert.equal(snapshot.reportsSent, 0);
    assert.equal(snapshot.lastRttMs, null);
  });

  it('stop() removes its listeners and timers, and nothing more is sent', async () => {
    const timers = spyOnReporterTimers();
    try {
      const socket = await openSocket(server.url);
      const appHandler = () => {};
      socket.onmessage = appHandler;
      const listeners = new Map<string, Set<unknown>>();
      const add = socket.addEventListener.bind(socket);
      const remove = socket.removeEventListener.bind(socket);
      Object.assign(socket, {
        addEventListener(type: string, listener: (event: Event) => void) {
          if (!listeners.has(type)) listeners.set(type, new Set());
          listeners.get(type)!.add(listener);
          add(type, listener);
        },
        removeEventListener(type: string, listener: (event: Event) => void) {
          listeners.get(type)?.delete(listener);
          remove(type, listener);
        },
      });
      const reporter = track(createHealthReporter(socket, FAST), socket);
      await until('an ack', () => reporter.snapshot().lastRttMs !== null);
      assert.deepEqual([...listeners.keys()].sort(), ['close', 'error', 'message', 'open']);
      assert.ok(timers.live() >= 2, 'probe and report timers run while open');
      assert.equal(socket.onmessage, appHandler, 'the app handler is left alone');

      reporter.stop();
      reporter.stop();
      const peer = server.peers.at(-1)!;
      const framesAtStop = peer.frames.length;
      for (const [type, set] of listeners) assert.equal(set.size, 0, `${type} listener left`);
      assert.equal(timers.live(), 0);
      reporter.attach(await openSocket(server.url)); // no effect once stopped
      await sleep(400);
      assert.equal(peer.frames.length, framesAtStop);
      assert.equal(server.peers.at(-1)!.frames.length, 0);
      assert.equal(reporter.snapshot().state, 'stopped');
      assert.equal(reporter.snapshot().reconnects, 0);
      server.peers.at(-1)!.socket.close();
    } finally {
      timers.restore();
    }
  });

  it('holds no timers while its socket is closed, even with a probe in flight', async () => {
    const timers = spyOnReporterTimers();
    try {
      server.silent = true;
      const socket = await openSocket(server.url);
      const reporter = track(
        createHealthReporter(socket, { ...FAST, probeTimeoutMs: 5000 }),
        socket,
      );
      await until('a probe', () => server.peers.at(-1)!.frames.length > 0);
      assert.equal(timers.live(), 3, 'probe, report and one probe deadline');
      server.peers.at(-1)!.socket.terminate();
      await until('the close', () => reporter.snapshot().state === 'closed');
      assert.equal(timers.live(), 0);
      await sleep(300);
      const snapshot = reporter.snapshot();
      assert.equal(snapshot.errorsByType.probe_timeout, 0, 'a closed socket is not a timeout');
      assert.equal(snapshot.errorsByType.closed_abnormally, 1);
    } finally {
      timers.restore();
    }
  });

  it('lets the app skip acks in its own message handler with isReporterFrame', async () => {
    const socket = await openSocket(server.url);
    const appSaw: unknown[] = [];
    socket.addEventListener('message', (event) => {
      if (isReporterFrame(event.data)) return;
      appSaw.push(event.data);
    });
    const reporter = track(createHealthReporter(socket, FAST), socket);
    await until('an ack', () => reporter.snapshot().lastRttMs !== null);
    server.peers.at(-1)!.socket.send('app message');
    await until('the app message', () => appSaw.length > 0);
    assert.deepEqual(appSaw, ['app message']);
  });

  it('works with a ws client too', async () => {
    const socket = new WsClient(server.url);
    const reporter = track(createHealthReporter(socket, FAST), socket);
    await until('an ack', () => reporter.snapshot().lastRttMs !== null);
    assert.equal(reporter.snapshot().state, 'open');
  });

  it('knows every error kind of the protocol', () => {
    const socket = new WsClient('ws://127.0.0.1:1', { autoPong: true });
    socket.on('error', () => {});
    const reporter = createHealthReporter(socket);
    assert.deepEqual(Object.keys(reporter.snapshot().errorsByType), [...REPORTED_ERROR_TYPES]);
    reporter.stop();
    socket.terminate();
  });
});
