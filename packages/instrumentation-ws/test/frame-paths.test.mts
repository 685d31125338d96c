import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';
import { type Collected, metricValue } from './helpers/metrics.mts';

type Tally = { text: [number, number]; binary: [number, number] };
interface FramePaths {
  hasBlob: boolean;
  negotiated: boolean;
  clients: number;
  serverSaw: Tally;
  clientsSaw: Tally;
  metrics: Collected;
}

const TYPES = ['text', 'binary'] as const;

/** What the metrics say was sent by one side, in the shape of a tally. */
function sentBy(metrics: Collected, side: string): Tally {
  const cell = (type: string): [number, number] => [
    metricValue(metrics, `websocket.${side}.sent.messages`, { 'websocket.message.type': type }),
    metricValue(metrics, `websocket.${side}.sent.bytes`, { 'websocket.message.type': type }),
  ];
  return { text: cell('text'), binary: cell('binary') };
}

for (const wsPackage of ['ws', 'ws7']) {
  describe(`every path to the wire counts each data frame once (${wsPackage})`, () => {
    const run = runFixture<FramePaths>(['frame-paths.cjs', wsPackage]);

    it('ran every path: compression negotiated, every message arrived', async () => {
      const { hasBlob, negotiated, clientsSaw, serverSaw } = await run;
      assert.equal(negotiated, true);
      assert.equal(hasBlob, wsPackage === 'ws');
      // 4 sockets: 2 texts (one of them in two fragments) and a binary each, a Blob
      // each on ws 8, the shared pre-built frame; 3 more pre-built binaries to one;
      // 2 compressing sockets: 6 texts (one in two fragments), a binary and a
      // pre-built text each.
      assert.equal(clientsSaw.text[0], 4 * 3 + 2 * 7);
      assert.equal(clientsSaw.binary[0], 4 * (hasBlob ? 2 : 1) + 3 + 2);
      assert.equal(serverSaw.text[0], 4);
      assert.equal(serverSaw.binary[0], 2);
    });

    it("server sent messages and bytes equal what the clients' apps received", async () => {
      const { metrics, clientsSaw } = await run;
      assert.deepEqual(sentBy(metrics, 'server'), clientsSaw);
      for (const type of TYPES) {
        const attributes = { 'websocket.message.type': type };
        assert.equal(
          metricValue(metrics, 'websocket.client.received.messages', attributes),
          clientsSaw[type][0],
        );
      }
    });

    it("client sent messages and bytes (a pre-built masked frame included) equal what the server's app received", async () => {
      const { metrics, serverSaw } = await run;
      assert.deepEqual(sentBy(metrics, 'client'), serverSaw);
    });

    it('one pre-built frame list written to every socket in one run is one broadcast', async () => {
      const { metrics, clients } = await run;
      const points = metrics['websocket.server.broadcast.recipients']!.points;
      // To the 4 plain sockets, and to the 2 compressing ones.
      assert.deepEqual(
        points.map((p) => [p.attributes, p.count, p.sum]),
        [[{ 'websocket.broadcast.outcome': 'success' }, 2, clients + 2]],
      );
    });
  });
}
