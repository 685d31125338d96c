// A small chat room on ws: an HTTP page at /, WebSocket rooms at /chat.
// Shared by the quickstart (zero-code) and the sdk-bootstrap example.
const http = require('node:http');
const { WebSocket, WebSocketServer } = require('ws');
const {
  CLOSE_GOING_AWAY,
  CLOSE_INVALID_MESSAGE,
  FRAME_AVATAR,
  FRAME_TYPING,
  MAX_PAYLOAD_BYTES,
  ROOMS,
} = require('./chat-protocol.js');

const MAX_NAME_LENGTH = 32;
/** Time clients get to answer our close frame at shutdown before they are cut off. */
const SHUTDOWN_GRACE_MS = 2000;

const PAGE = `ws-otel quickstart: a chat room on the ws library.

Connect a WebSocket to /chat?room=<room>&name=<you>; rooms: ${ROOMS.join(', ')}.
Text frames are JSON: {"type":"chat","text":"hi"}, broadcast to the room.
Binary frames: 0x01 = typing, 0x02 + bytes = avatar, relayed to the others.
Anything else closes the connection with 4001.
`;

/**
 * Starts the chat on `port` (0 picks a free one). Resolves with the port in
 * use and `close()`, which says goodbye to every client with 1001 and stops.
 */
async function startChatServer({ port = 8080, host } = {}) {
  /** room name -> (socket -> member name) */
  const rooms = new Map(ROOMS.map((room) => [room, new Map()]));

  const httpServer = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(PAGE);
  });
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/chat',
    maxPayload: MAX_PAYLOAD_BYTES,
    verifyClient: ({ req }, accept) => {
      if (rooms.has(roomOf(req))) accept(true);
      else accept(false, 404, 'No such room');
    },
  });

  wss.on('connection', (ws, request) => {
    const room = rooms.get(roomOf(request));
    const name = nameOf(request);
    ws.send(JSON.stringify({ type: 'welcome', members: [...room.values()] }));
    broadcast(room, JSON.stringify({ type: 'joined', name }));
    room.set(ws, name);

    ws.on('message', (data, isBinary) => {
      const reply = isBinary ? binaryReply(name, data) : textReply(name, data);
      if (reply === undefined) ws.close(CLOSE_INVALID_MESSAGE, 'invalid message');
      else broadcast(room, reply.data, reply.toSender ? undefined : ws);
    });
    ws.on('close', () => {
      room.delete(ws);
      broadcast(room, JSON.stringify({ type: 'left', name }));
    });
    // Without a listener, ws's 'error' event would crash the process. ws has
    // already closed the connection (1009 for an oversized message) and the
    // instrumentation counts the error, so there is nothing left to do.
    ws.on('error', () => {});
  });

  await new Promise((resolve, reject) => {
    // ws re-emits the HTTP server's errors, such as EADDRINUSE.
    wss.once('error', reject);
    httpServer.listen(port, host, () => {
      wss.off('error', reject);
      resolve();
    });
  });

  async function close() {
    const stopped = new Promise((resolve) => httpServer.close(resolve));
    for (const ws of wss.clients) ws.close(CLOSE_GOING_AWAY, 'server shutting down');
    const cutOff = setTimeout(() => {
      for (const ws of wss.clients) ws.terminate();
    }, SHUTDOWN_GRACE_MS);
    wss.close();
    httpServer.closeIdleConnections();
    await stopped;
    clearTimeout(cutOff);
  }

  return { port: httpServer.address().port, close };
}

/** Sends one payload to every open socket of the room, except `skip`. */
function broadcast(room, data, skip) {
  const binary = Buffer.isBuffer(data);
  for (const peer of room.keys()) {
    if (peer !== skip && peer.readyState === WebSocket.OPEN) peer.send(data, { binary });
  }
}

/** A chat message goes to the whole room, sender included; anything else is invalid. */
function textReply(name, data) {
  let message;
  try {
    message = JSON.parse(data.toString());
  } catch {
    return undefined;
  }
  if (message?.type !== 'chat' || typeof message.text !== 'string') return undefined;
  return { data: JSON.stringify({ type: 'chat', from: name, text: message.text }), toSender: true };
}

/** Typing and avatar frames go to the others, prefixed with the sender's name. */
function binaryReply(name, data) {
  const kind = data[0];
  if (kind !== FRAME_TYPING && kind !== FRAME_AVATAR) return undefined;
  const sender = Buffer.from(name);
  const header = Buffer.from([kind, sender.length]);
  return { data: Buffer.concat([header, sender, data.subarray(1)]), toSender: false };
}

function queryOf(request) {
  return new URL(request.url, 'http://chat.invalid').searchParams;
}

function roomOf(request) {
  return queryOf(request).get('room') ?? 'general';
}

function nameOf(request) {
  return (queryOf(request).get('name') || 'guest').slice(0, MAX_NAME_LENGTH);
}

module.exports = { startChatServer };
