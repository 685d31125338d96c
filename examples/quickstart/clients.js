// Simulated chat users, in a process of their own so that the server's
// metrics only show the server. Users join, chat and type at random, and
// leave in every way a real client does: politely, with an application
// close code, by vanishing without a close frame, with a TCP reset, or by
// breaking the protocol. New users keep joining, and now and then a client
// fails its handshake.
//
// CHAT_URL: the server's WebSocket URL (default ws://localhost:8080/chat).
// CLIENTS: how many users are online at once (default 20).
const http = require('node:http');
const { randomBytes, randomInt } = require('node:crypto');
const { WebSocket } = require('ws');
const {
  CLOSE_APP_BACKGROUNDED,
  CLOSE_GOING_AWAY,
  CLOSE_NORMAL,
  FRAME_AVATAR,
  FRAME_TYPING,
  MAX_PAYLOAD_BYTES,
  ROOMS,
} = require('./chat-protocol.js');

const CHAT_URL = process.env.CHAT_URL || 'ws://localhost:8080/chat';
const ONLINE_USERS = Number(process.env.CLIENTS || 20);
const NAMES = ['ada', 'alan', 'barbara', 'edsger', 'grace', 'ken', 'linus', 'margaret', 'radia'];
const LINES = ['hi all', 'anyone around?', 'ship it', 'lgtm', 'brb', 'how do I join #help?', 'ok'];
const FAILED_HANDSHAKE_EVERY_MS = 1500;
const JOIN_CHECK_EVERY_MS = 100;

/** How users leave, and how often (weights) once every way has been shown once. */
const ENDINGS = {
  leave: 40, // close(1000)
  background: 15, // close(4002), an application code
  vanish: 15, // terminate(): the socket ends without a close frame, the server sees 1006
  reset: 10, // a TCP reset: 1006 and an ECONNRESET error on the server
  invalid: 10, // breaks the protocol: the server closes with 4001
  hugeAvatar: 10, // over the server's maxPayload: a WS_ERR_UNSUPPORTED_MESSAGE_LENGTH error
};

const users = new Set();
let joined = 0;

function pick(values) {
  return values[Math.floor(Math.random() * values.length)];
}

function between(min, max) {
  return min + Math.random() * (max - min);
}

function randomEnding() {
  let roll = Math.random() * Object.values(ENDINGS).reduce((sum, weight) => sum + weight, 0);
  for (const [ending, weight] of Object.entries(ENDINGS)) {
    roll -= weight;
    if (roll < 0) return ending;
  }
  return 'leave';
}

function joinOne() {
  // The first users show every ending once, quickly, so every metric has data within seconds.
  const firstRound = Object.keys(ENDINGS);
  const ending = joined < firstRound.length ? firstRound[joined] : randomEnding();
  const lifetimeMs = joined < firstRound.length ? between(1000, 3000) : between(3000, 15000);
  joined++;

  const name = `${pick(NAMES)}${joined}`;
  const ws = new WebSocket(`${CHAT_URL}?room=${pick(ROOMS)}&name=${name}`);
  let chatTimer;
  let leaveTimer;
  users.add(ws);

  const chat = () => {
    if (ws.readyState !== WebSocket.OPEN) return; // leaving
    if (Math.random() < 0.4) ws.send(Buffer.from([FRAME_TYPING]));
    ws.send(JSON.stringify({ type: 'chat', text: pick(LINES) }));
    chatTimer = setTimeout(chat, between(300, 2000));
  };
  ws.on('open', () => {
    ws.send(Buffer.concat([Buffer.from([FRAME_AVATAR]), randomBytes(randomInt(256, 4096))]));
    chatTimer = setTimeout(chat, between(300, 2000));
    leaveTimer = setTimeout(() => leave(ws, ending), lifetimeMs);
  });
  // Refused connections (server starting or stopping) end here; the
  // close event below still fires and a new user takes the place.
  ws.on('error', () => {});
  ws.on('close', () => {
    clearTimeout(chatTimer);
    clearTimeout(leaveTimer);
    users.delete(ws);
  });
}

function leave(ws, ending) {
  if (ws.readyState !== WebSocket.OPEN) return;
  switch (ending) {
    case 'background':
      ws.close(CLOSE_APP_BACKGROUNDED, 'app backgrounded');
      break;
    case 'vanish':
      ws.terminate();
      break;
    case 'reset':
      // ws has no public way to reset the TCP connection; its socket does.
      ws._socket.resetAndDestroy();
      break;
    case 'invalid':
      ws.send('this is not JSON');
      break;
    case 'hugeAvatar':
      ws.send(Buffer.alloc(MAX_PAYLOAD_BYTES + 1, FRAME_AVATAR));
      break;
    default:
      ws.close(CLOSE_NORMAL, 'bye');
  }
}

/** A client asks for a room that does not exist: verifyClient answers 404. */
function joinUnknownRoom() {
  new WebSocket(`${CHAT_URL}?room=lobby`).on('error', () => {});
}

/** An outdated client offers a protocol version ws does not speak: ws answers 400. */
function upgradeWithOldVersion() {
  const url = new URL(CHAT_URL);
  http
    .get({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-version': '7',
      },
    })
    .on('response', (response) => response.resume())
    .on('error', () => {});
}

const FAILING_HANDSHAKES = [joinUnknownRoom, upgradeWithOldVersion];
let failedHandshakes = 0;

const keepJoining = setInterval(() => {
  if (users.size < ONLINE_USERS) joinOne();
}, JOIN_CHECK_EVERY_MS);
const keepFailing = setInterval(() => {
  FAILING_HANDSHAKES[failedHandshakes++ % FAILING_HANDSHAKES.length]();
}, FAILED_HANDSHAKE_EVERY_MS);

function stop() {
  clearInterval(keepJoining);
  clearInterval(keepFailing);
  for (const ws of users) ws.close(CLOSE_GOING_AWAY, 'clients stopping');
  // Whatever has not closed by then is cut off.
  setTimeout(() => process.exit(0), 1000).unref();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
