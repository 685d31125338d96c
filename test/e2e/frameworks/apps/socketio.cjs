'use strict';
// socket.io 4 server and socket.io-client clients (WebSocket transport only),
// clients connecting through the relay. Workload: each client says hello and
// is welcomed (one socket's emit), sends chat messages and one binary; the
// server answers a chat with an ack; one io.emit to every client (socket.io's
// adapter pre-builds that frame once); engine.io pings every 100 ms; then every
// third client disconnects, every third is disconnected by the server, every
// third loses its connection (the relay cuts it: no close frame either way). One more client is refused by
// allowRequest before ws sees it.
const http = require('node:http');
const { Server } = require('socket.io');
const { io: connect } = require('socket.io-client');
const { CUT_MARKER, finish, env, until } = require('./app-kit.cjs');

const { serverPort, relayPort, clients: N } = env();
const CHATS = 3;

async function main() {
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    transports: ['websocket'],
    pingInterval: 100,
    pingTimeout: 5000,
    allowRequest: (req, callback) => callback(null, req.headers['x-deny'] === undefined),
  });
  const server = { hello: 0, chat: 0, binary: 0, disconnects: {} };
  io.on('connection', (socket) => {
    socket.on('hello', (data) => {
      server.hello++;
      socket.emit('welcome', { you: data.i });
    });
    socket.on('chat', (text, ack) => {
      server.chat++;
      ack(text.length);
    });
    socket.on('blob', () => {
      server.binary++;
    });
    // The engine.io connection itself: ws sends its close frame first, no race with the client.
    socket.on('bye', () => socket.conn.close());
    socket.on('disconnect', (reason) => {
      server.disconnects[reason] = (server.disconnects[reason] ?? 0) + 1;
    });
  });
  await new Promise((resolve) => httpServer.listen(serverPort, '127.0.0.1', resolve));

  const url = `http://127.0.0.1:${relayPort}`;
  const options = { transports: ['websocket'], reconnection: false, forceNew: true };
  const seen = { welcome: 0, acks: 0, news: 0, disconnects: {}, connectErrors: [] };
  const sockets = [];
  for (let i = 0; i < N; i++) {
    const socket = connect(url, options);
    socket.on('connect', () => socket.emit('hello', { i }));
    socket.on('welcome', () => seen.welcome++);
    socket.on('news', () => seen.news++);
    socket.on('disconnect', (reason) => {
      seen.disconnects[reason] = (seen.disconnects[reason] ?? 0) + 1;
    });
    sockets.push(socket);
  }
  await until(() => seen.welcome === N && server.hello === N);
  for (const socket of sockets) {
    for (let m = 0; m < CHATS; m++)
      socket.emit('chat', `message ${m} from ${socket.id}`, () => seen.acks++);
    socket.emit('blob', Buffer.alloc(16, 1));
  }
  await until(() => seen.acks === N * CHATS && server.binary === N);
  io.emit('news', { headline: 'one frame for everyone' });
  await until(() => seen.news === N);
  // Long enough for engine.io's own pings; then they stop (the timer cleared,
  // the last pong awaited), so none crosses a closing connection: which ones
  // would is a race of timers, and it would make series depend on timing.
  await new Promise((resolve) => setTimeout(resolve, 250));
  const connections = [...io.of('/').sockets.values()].map((socket) => socket.conn);
  for (const conn of connections) clearTimeout(conn.pingIntervalTimer);
  await until(() => connections.every((conn) => conn.pingTimeoutTimer === null), 'the last pongs');

  const refused = connect(url, { ...options, extraHeaders: { 'x-deny': '1' } });
  await new Promise((resolve) =>
    refused.on('connect_error', (error) => {
      seen.connectErrors.push(error.message);
      resolve();
    }),
  );

  sockets.forEach((socket, i) => {
    if (i % 3 === 0) socket.disconnect();
    else if (i % 3 === 1) socket.emit('bye');
    else socket.emit(CUT_MARKER);
  });
  const ended = () => Object.values(seen.disconnects).reduce((a, b) => a + b, 0);
  const serverEnded = () => Object.values(server.disconnects).reduce((a, b) => a + b, 0);
  await until(() => ended() === N && serverEnded() === N);
  io.close();
  await finish({ server, clients: seen });
}

main();
