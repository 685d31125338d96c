'use strict';
// graphql-ws 6 (graphql 17) on a ws 8 server, with graphql-ws's own client on
// ws. Each client's connection_init goes out in its socket's 'open' listener.
// Workload: a query per client, a subscription per client and two published
// events (one `next` frame per subscriber: each carries its own id), then a
// third of the clients dispose (1000), a third are closed by the server
// (4000), a third lose their connection (the relay cuts it).
const { buildSchema } = require('graphql');
const { createClient } = require('graphql-ws');
const { useServer } = require('graphql-ws/use/ws');
const { WebSocket, WebSocketServer } = require('ws');
const { CUT_MARKER, env, finish, until } = require('./app-kit.cjs');

const { serverPort, relayPort, clients: N } = env();

const schema = buildSchema(`
  type Query { hello(name: String!): String! }
  type Subscription { news: String! }
`);

/** Subscribers of `news`, each an async iterator fed by publish(). */
const subscribers = new Set();
function news() {
  const queue = [];
  let wake;
  const subscriber = {
    push(text) {
      queue.push(text);
      wake?.();
    },
  };
  subscribers.add(subscriber);
  return (async function* stream() {
    try {
      for (;;) {
        while (queue.length > 0) yield { news: queue.shift() };
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      subscribers.delete(subscriber);
    }
  })();
}
const publish = (text) => {
  for (const subscriber of subscribers) subscriber.push(text);
};

/** The client sockets, in the order the clients were created. */
const clientSockets = [];
class TrackedWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    clientSockets.push(this);
  }
}

async function main() {
  const wss = new WebSocketServer({ port: serverPort, host: '127.0.0.1', path: '/graphql' });
  const server = { connects: 0, subscribes: 0, closes: {} };
  const serverSockets = [];
  wss.on('connection', (ws) =>
    ws.on('close', (code) => {
      server.closes[code] = (server.closes[code] ?? 0) + 1;
    }),
  );
  useServer(
    {
      schema,
      roots: { query: { hello: ({ name }) => `hello ${name}` }, subscription: { news } },
      onConnect: (ctx) => {
        server.connects++;
        serverSockets[ctx.connectionParams.i] = ctx.extra.socket;
      },
      onSubscribe: () => {
        server.subscribes++;
      },
    },
    wss,
  );

  const seen = { hello: [], news: 0, closes: {}, unexpectedCloses: [], errors: 0 };
  const clients = [];
  for (let i = 0; i < N; i++) {
    clients.push(
      createClient({
        url: `ws://127.0.0.1:${relayPort}/graphql`,
        webSocketImpl: TrackedWebSocket,
        connectionParams: { i },
        lazy: false,
        retryAttempts: 0,
        // A non-lazy client reports a close it did not ask for here (console.error by default).
        onNonLazyError: (event) => seen.unexpectedCloses.push(event.code),
        on: {
          closed: (event) => {
            seen.closes[event.code] = (seen.closes[event.code] ?? 0) + 1;
          },
        },
      }),
    );
  }
  const run = (client, query) =>
    new Promise((resolve) => {
      const results = [];
      client.subscribe(
        { query },
        {
          next: (result) => results.push(result.data),
          error: () => {
            seen.errors++;
            resolve(results);
          },
          complete: () => resolve(results),
        },
      );
    });
  const answers = await Promise.all(
    clients.map((client, i) => run(client, `{ hello(name: "${i}") }`)),
  );
  seen.hello = answers.map((results) => results[0].hello);
  for (const client of clients) {
    client.subscribe(
      { query: 'subscription { news }' },
      { next: () => seen.news++, error: () => seen.errors++, complete: () => {} },
    );
  }
  await until(() => subscribers.size === N, 'the subscriptions');
  publish('first');
  publish('second');
  await until(() => seen.news === 2 * N, 'the events');

  clients.forEach((client, i) => {
    if (i % 3 === 0) client.dispose();
    else if (i % 3 === 1) serverSockets[i].close(4000, 'bye');
    else clientSockets[i].send(CUT_MARKER);
  });
  const count = (closes) => Object.values(closes).reduce((a, b) => a + b, 0);
  await until(() => count(seen.closes) === N && count(server.closes) === N, 'the closes');
  seen.unexpectedCloses.sort();
  wss.close();
  await finish({ server, clients: seen });
}

main();
