import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFromEnv } from '@ws-otel/instrumentation-ws';
import { closeCodeValue, errorTypeOf, rejectionErrorType } from '../dist/connections/outcomes.js';
import { captureDiag } from './helpers/diag.mts';

describe('configuration from the environment', () => {
  it('reads OTEL_WS_* values', () => {
    assert.deepEqual(
      configFromEnv({
        OTEL_WS_MESSAGE_SIZE_HISTOGRAM: 'true',
        OTEL_WS_MAX_ROUTES: '7',
        OTEL_WS_BACKPRESSURE_THRESHOLD: '4096',
        OTEL_WS_BROADCAST_DETECTION: 'off',
        OTEL_WS_HEARTBEAT: 'observe',
        OTEL_WS_HEARTBEAT_INTERVAL: '5000',
        OTEL_WS_HEARTBEAT_TIMEOUT: '2000',
        OTEL_WS_HEARTBEAT_MAX_MISSED: '0',
        OTEL_WS_HEARTBEAT_TERMINATE: 'yes',
        OTEL_WS_CLIENT_HEARTBEAT: '1',
        OTEL_WS_CLIENT_REPORTS: 'true',
      }),
      {
        messageSizeHistogram: true,
        maxRoutes: 7,
        backpressureThreshold: 4096,
        broadcastDetection: false,
        clientReports: { enabled: true },
        heartbeat: {
          mode: 'observe',
          intervalMs: 5000,
          timeoutMs: 2000,
          maxMissed: 0,
          terminate: true,
          clients: true,
        },
      },
    );
  });

  it('uses the defaults when nothing is set', () => {
    assert.deepEqual(configFromEnv({}), {
      messageSizeHistogram: false,
      maxRoutes: 50,
      backpressureThreshold: 1048576,
      broadcastDetection: true,
      clientReports: { enabled: false },
      heartbeat: {
        mode: 'active',
        intervalMs: 30000,
        timeoutMs: 10000,
        maxMissed: 2,
        terminate: false,
        clients: false,
      },
    });
  });

  it('reports a value that does not parse once, with its name and the default used', () => {
    const lines = captureDiag();
    const config = configFromEnv({
      OTEL_WS_MESSAGE_SIZE_HISTOGRAM: 'maybe',
      OTEL_WS_MAX_ROUTES: '-3',
      OTEL_WS_BACKPRESSURE_THRESHOLD: '1e400',
    });
    assert.equal(config.messageSizeHistogram, false);
    assert.equal(config.maxRoutes, 50);
    assert.equal(config.backpressureThreshold, 1048576);
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /OTEL_WS_MESSAGE_SIZE_HISTOGRAM=maybe is not a boolean; using false/);
    assert.match(lines[1]!, /OTEL_WS_MAX_ROUTES=-3 is not an integer >= 0; using 50/);
    assert.match(
      lines[2]!,
      /OTEL_WS_BACKPRESSURE_THRESHOLD=1e400 is not an integer >= 1; using 1048576/,
    );
  });
});

describe('attribute values', () => {
  it('keeps protocol close codes and folds application ranges', () => {
    assert.equal(closeCodeValue(1000), 1000);
    assert.equal(closeCodeValue(1015), 1015);
    assert.equal(closeCodeValue(3001), '3xxx');
    assert.equal(closeCodeValue(4999), '4xxx');
    assert.equal(closeCodeValue(2000), 'other');
    assert.equal(closeCodeValue(5000), 'other');
  });

  it('takes error.type from well-formed codes only', () => {
    assert.equal(errorTypeOf(Object.assign(new Error('x'), { code: 'ECONNRESET' })), 'ECONNRESET');
    assert.equal(errorTypeOf({ code: 'WS_ERR_INVALID_OPCODE' }), 'WS_ERR_INVALID_OPCODE');
    assert.equal(errorTypeOf({ code: 'hello world from a peer' }), '_OTHER');
    assert.equal(errorTypeOf(new Error('no code')), '_OTHER');
    assert.equal(errorTypeOf(undefined), '_OTHER');
  });

  it('reads the status of a rejection from its status line, or says rejected', () => {
    assert.equal(rejectionErrorType('HTTP/1.1 400 Bad Request\r\n\r\n'), '400');
    assert.equal(rejectionErrorType(Buffer.from('HTTP/1.1 503 Service Unavailable\r\n')), '503');
    assert.equal(rejectionErrorType('HTTP/1.1 999 Whatever'), 'rejected');
    assert.equal(rejectionErrorType(undefined), 'rejected');
  });
});
