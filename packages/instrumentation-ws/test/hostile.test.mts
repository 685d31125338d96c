import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNode } from './helpers/child.mts';

interface CaseResult {
  app: unknown[][];
  bytes: string;
  errors: Record<string, number>;
}
interface Run {
  results: Record<string, CaseResult>;
  series?: Record<string, number>;
}

async function run(mode: 'bare' | 'instrumented'): Promise<{ run: Run; stderr: string }> {
  const result = await runNode(['hostile-input.cjs', mode], { timeoutMs: 120000 });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  return { run: JSON.parse(lines[lines.length - 1]!) as Run, stderr: result.stderr };
}

// What ws reports for each malformed frame: the error.type the metric must carry.
const FRAME_ERRORS: Record<string, string> = {
  'reserved opcode': 'WS_ERR_INVALID_OPCODE',
  'reserved control opcode': 'WS_ERR_INVALID_OPCODE',
  'unmasked frame': 'WS_ERR_EXPECTED_MASK',
  'invalid UTF-8 text': 'WS_ERR_INVALID_UTF8',
  'invalid UTF-8 close reason': 'WS_ERR_INVALID_UTF8',
  'over maxPayload': 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  'invalid close code 1005': 'WS_ERR_INVALID_CLOSE_CODE',
  'invalid close code 2999': 'WS_ERR_INVALID_CLOSE_CODE',
  'one-byte close payload': 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
  'fragmented ping': 'WS_ERR_EXPECTED_FIN',
  'control frame over 125 bytes': 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
  'length over 2^53': 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
  'RSV2 set': 'WS_ERR_UNEXPECTED_RSV_2_3',
  'RSV1 without deflate': 'WS_ERR_UNEXPECTED_RSV_1',
  'continuation without a start': 'WS_ERR_INVALID_OPCODE',
  'new message inside a fragmented one': 'WS_ERR_INVALID_OPCODE',
  'compression error': 'Z_DATA_ERROR',
  'compressed over maxPayload': 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
};

describe('hostile input: an instrumented server behaves as the bare one', async () => {
  // Both processes at once: the cases are event-driven, not timed.
  const [bare, instrumented] = await Promise.all([run('bare'), run('instrumented')]);

  it('nothing is thrown or printed, with or without the instrumentation', () => {
    assert.equal(bare.stderr, '');
    assert.equal(instrumented.stderr, '');
  });

  for (const name of Object.keys(bare.run.results)) {
    it(`${name}: the app sees the same events and the peer the same bytes`, () => {
      const a = bare.run.results[name]!;
      const b = instrumented.run.results[name]!;
      assert.deepEqual(b.app, a.app);
      assert.equal(b.bytes, a.bytes);
    });
  }

  it('each malformed frame is counted once, with the error.type ws gives it', () => {
    for (const [name, type] of Object.entries(FRAME_ERRORS)) {
      const result = instrumented.run.results[name]!;
      assert.deepEqual(result.errors, { [type]: 1 }, name);
      // The app saw the same error.
      assert.deepEqual(
        result.app.filter((event) => event[0] === 'error'),
        [['error', type]],
        name,
      );
    }
  });

  it('floods pass through: every ping answered and seen, every unsolicited pong seen', () => {
    const pings = instrumented.run.results['ping flood']!.app.filter((e) => e[0] === 'ping');
    const pongs = instrumented.run.results['unsolicited pongs']!.app.filter((e) => e[0] === 'pong');
    assert.equal(pings.length, 2000);
    assert.equal(pongs.length, 200);
    assert.deepEqual(instrumented.run.results['ping flood']!.errors, {});
  });

  it('bad upgrades are failed handshakes, not errors of a connection', () => {
    for (const name of ['missing key', 'bad key', 'invalid subprotocol list', 'wrong version']) {
      const { errors, app } = instrumented.run.results[name]!;
      assert.deepEqual(app, [], name);
      assert.deepEqual(Object.keys(errors), ['handshake 400'], name);
    }
  });

  it('thousands of distinct paths and subprotocols keep the series bounded', () => {
    const distinct = instrumented.run.results['distinct paths and subprotocols'] as unknown as {
      connections: number;
      protocols: number;
    };
    assert.deepEqual(distinct, { connections: 2000, protocols: 2000 });
    const series = instrumented.run.series!;
    // maxRoutes (50) distinct values, then `other`.
    assert.equal(series.routes, 51);
    for (const [name, count] of Object.entries(series)) {
      // At most a route, health or close code and initiator apiece: never one per connection.
      assert.ok(count <= 3 * 52, `${name} has ${count} series`);
    }
  });
});
