'use strict';
// express 5 with express-ws 5, which brings its own ws 7 (a nested copy);
// the clients use ws 8. The chat workload of chat.cjs on app.ws('/chat').
const express = require('express');
const expressWs = require('express-ws');
const { env, finish, until } = require('./app-kit.cjs');
const { runChatClients, serveChat, serverTally } = require('./chat.cjs');

const { serverPort, relayPort, clients: N } = env();

async function main() {
  const app = express();
  const { getWss } = expressWs(app);
  const tally = serverTally();
  app.ws('/chat', (ws) => serveChat(ws, tally, () => getWss().clients));
  const server = await new Promise((resolve) => {
    const listening = app.listen(serverPort, '127.0.0.1', () => resolve(listening));
  });
  const clients = await runChatClients(`ws://127.0.0.1:${relayPort}/chat`, N);
  await until(() => Object.values(tally.closes).reduce((a, b) => a + b, 0) === N, 'server closes');
  server.close();
  await finish({
    server: tally,
    clients,
    wsVersion: require('express-ws/package.json').dependencies.ws,
  });
}

main();
