'use strict';
// NestJS 12 with @nestjs/platform-ws's WsAdapter (ws 8, its own nested copy): a
// gateway on the app's HTTP server at /chat running the chat workload of
// chat.cjs. Plain JavaScript, so the decorators are applied by hand.
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { WsAdapter } = require('@nestjs/platform-ws');
const {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} = require('@nestjs/websockets');
const { env, finish, until } = require('./app-kit.cjs');
const { answer, runChatClients, serverTally } = require('./chat.cjs');

const { serverPort, relayPort, clients: N } = env();
const tally = serverTally();

class ChatGateway {
  handleConnection(ws) {
    ws.on('close', (code) => {
      tally.closes[code] = (tally.closes[code] ?? 0) + 1;
    });
  }
}
// Every event goes to answer(); a returned value is sent back by the adapter.
for (const event of ['hello', 'chat', 'blob', 'news-please', 'bye']) {
  const method = `on_${event.replace('-', '_')}`;
  ChatGateway.prototype[method] = function (ws, data) {
    const reply = answer(ws, JSON.stringify({ event, data }), tally, () => this.server.clients);
    return reply === undefined ? undefined : JSON.parse(reply);
  };
  const descriptor = Object.getOwnPropertyDescriptor(ChatGateway.prototype, method);
  SubscribeMessage(event)(ChatGateway.prototype, method, descriptor);
  ConnectedSocket()(ChatGateway.prototype, method, 0);
  MessageBody()(ChatGateway.prototype, method, 1);
}
WebSocketServer()(ChatGateway.prototype, 'server');
WebSocketGateway({ path: '/chat' })(ChatGateway);

class AppModule {}
Module({ providers: [ChatGateway] })(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(serverPort, '127.0.0.1');
  const clients = await runChatClients(`ws://127.0.0.1:${relayPort}/chat`, N);
  await until(() => Object.values(tally.closes).reduce((a, b) => a + b, 0) === N, 'server closes');
  await app.close();
  await finish({ server: tally, clients });
}

main();
