'use strict';
// fastify 5 with @fastify/websocket 11: the chat workload of chat.cjs on a
// websocket route, and an onRequest hook that refuses upgrades carrying
// `x-deny` with 401 before ws sees them.
const Fastify = require('fastify');
const websocket = require('@fastify/websocket');
const { env, finish, until } = require('./app-kit.cjs');
const { runChatClients, serveChat, serverTally } = require('./chat.cjs');

const { serverPort, relayPort, clients: N } = env();

async function main() {
  const fastify = Fastify();
  await fastify.register(websocket);
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.headers['x-deny'] !== undefined) await reply.code(401).send('no');
  });
  const tally = serverTally();
  fastify.get('/chat', { websocket: true }, (socket) =>
    serveChat(socket, tally, () => fastify.websocketServer.clients),
  );
  await fastify.listen({ port: serverPort, host: '127.0.0.1' });
  const clients = await runChatClients(`ws://127.0.0.1:${relayPort}/chat`, N, { refuse: true });
  await until(() => Object.values(tally.closes).reduce((a, b) => a + b, 0) === N, 'server closes');
  await fastify.close();
  await finish({ server: tally, clients });
}

main();
