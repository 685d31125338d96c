'use strict';
// The chat workload the ws-based frameworks share. Messages are JSON
// `{ event, data }` (NestJS's WsAdapter format), binary ones too.
// Each client greets in its 'open' listener and is welcomed, sends chat
// messages (echoed) and one binary; then one broadcast: a loop over the
// server's clients with one payload; then a third close with 1000, a third
// ask the server to close (4000), a third lose their connection (the relay
// cuts it). Both sides' apps count what they saw.
const { WebSocket } = require('ws');
const { CUT_MARKER, until } = require('./app-kit.cjs');

const CHATS = 3;
const NEWS = JSON.stringify({ event: 'news', data: 'one payload for everyone' });

const encode = (event, data) => JSON.stringify({ event, data });

/** A server-side app's account of the run. */
function serverTally() {
  return { hello: 0, chat: 0, blob: 0, closes: {} };
}

/** What a server answers to one message; `clients` is what it broadcasts to. */
function answer(ws, message, tally, clients) {
  const { event, data } = JSON.parse(String(message));
  if (event === 'hello') {
    tally.hello++;
    return encode('welcome', data);
  }
  if (event === 'chat') {
    tally.chat++;
    return encode('echo', data);
  }
  if (event === 'blob') tally.blob++;
  else if (event === 'news-please') for (const client of clients()) client.send(NEWS);
  else if (event === 'bye') ws.close(4000, 'see you');
  return undefined;
}

/** Plain ws servers: answers go back with `ws.send`. */
function serveChat(ws, tally, clients) {
  ws.on('message', (message) => {
    const reply = answer(ws, message, tally, clients);
    if (reply !== undefined) ws.send(reply);
  });
  ws.on('close', (code) => {
    tally.closes[code] = (tally.closes[code] ?? 0) + 1;
  });
}

/** Runs N clients against `url`, then one refused upgrade if `refuse` is set; returns their account. */
async function runChatClients(url, n, { refuse = false } = {}) {
  const seen = { welcome: 0, echo: 0, news: 0, closes: {}, errors: [], refused: [] };
  const clients = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(encode('hello', i)));
    ws.on('message', (message) => {
      const { event } = JSON.parse(String(message));
      seen[event]++;
    });
    ws.on('error', (error) => seen.errors.push(error.message));
    ws.on('close', (code) => {
      seen.closes[code] = (seen.closes[code] ?? 0) + 1;
    });
    clients.push(ws);
  }
  await until(() => seen.welcome === n, 'the welcomes');
  for (const ws of clients) {
    for (let m = 0; m < CHATS; m++) ws.send(encode('chat', `message ${m}`));
    ws.send(Buffer.from(encode('blob', 16)), { binary: true });
  }
  await until(() => seen.echo === n * CHATS, 'the echoes');
  clients[0].send(encode('news-please'));
  await until(() => seen.news === n, 'the broadcast');
  if (refuse) {
    const refused = new WebSocket(url, { headers: { 'x-deny': '1' } });
    refused.on('error', (error) => seen.refused.push(error.message));
    await new Promise((resolve) => refused.on('close', resolve));
  }
  clients.forEach((ws, i) => {
    if (i % 3 === 0) ws.close(1000);
    else if (i % 3 === 1) ws.send(encode('bye'));
    else ws.send(CUT_MARKER);
  });
  await until(() => clients.every((ws) => ws.readyState === WebSocket.CLOSED), 'the closes');
  return seen;
}

module.exports = { answer, serveChat, serverTally, runChatClients, encode };
