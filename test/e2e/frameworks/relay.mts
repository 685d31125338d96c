// A TCP relay between an app's clients and its server that passes every byte
// on unchanged and reads the WebSocket traffic in both directions: the
// upgrade's answer, then each frame (RFC 6455 5.2). Its counts are made
// without the instrumentation, from the wire alone. It can also cut a
// connection the way a dying network path does (see CUT_MARKER).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Messages and payload bytes of one type. */
export interface Traffic {
  messages: number;
  bytes: number;
}

/** What went one way: data messages by type, control frames, close codes. */
export interface Direction {
  text: Traffic;
  binary: Traffic;
  pings: number;
  pongs: number;
  /** Close frames by the code they carry (1005 when they carry none). */
  closeCodes: Record<string, number>;
  /** Frames with RSV1 set (permessage-deflate): the suite expects none. */
  compressed: number;
}

/**
 * The relay is the network: what one side wrote reaches the relay, and what
 * the relay passed on reaches the other side. The two differ only for a
 * connection the relay cut: from then on it reads both sides but passes
 * nothing on.
 */
export interface RelayCounts {
  /** Read from clients: what they sent. */
  clientSent: Direction;
  /** Passed on to the server: what it received. */
  serverReceived: Direction;
  /** Read from the server: what it sent. */
  serverSent: Direction;
  /** Passed on to clients: what they received. */
  clientReceived: Direction;
  /** Status of each answer to an upgrade request (101, 400, 401, ...). */
  upgradeStatuses: Record<string, number>;
  /** Connections cut on a client's request (a data frame whose payload holds `CUT_MARKER`). */
  cut: number;
  /** TCP connections the relay carried, and how many are still open. */
  connections: number;
  open: number;
}

/**
 * A client that sends a message holding this asks the relay to cut its
 * connection: the message is not passed on, and both sides get a FIN, as
 * when a network path dies; neither side sees a close frame.
 */
export const CUT_MARKER = 'RELAY-CUT';

function direction(): Direction {
  return {
    text: { messages: 0, bytes: 0 },
    binary: { messages: 0, bytes: 0 },
    pings: 0,
    pongs: 0,
    closeCodes: {},
    compressed: 0,
  };
}

const HEAD_END = Buffer.from('\r\n\r\n');
const MARKER = Buffer.from(CUT_MARKER);

/** One direction of one connection: an HTTP head, then whole frames, each passed on as read. */
class DirectionReader {
  private buffered: Buffer = Buffer.alloc(0);
  private inHead = true;
  private frames = true;
  /** Type of the message being received in fragments. */
  private messageType: 'text' | 'binary' = 'text';
  private readonly read: Direction;
  private readonly passed: Direction;
  private readonly link: Link;

  constructor(read: Direction, passed: Direction, link: Link) {
    this.read = read;
    this.passed = passed;
    this.link = link;
  }

  push(chunk: Buffer): void {
    if (!this.frames) {
      this.link.forward(chunk);
      return;
    }
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.inHead) {
      const end = this.buffered.indexOf(HEAD_END);
      if (end < 0) return;
      const headBytes = this.buffered.subarray(0, end + HEAD_END.length);
      this.buffered = this.buffered.subarray(end + HEAD_END.length);
      this.inHead = false;
      // Anything but a WebSocket after the head (an HTTP error body) is passed on unread.
      this.frames = this.link.onHead(headBytes.toString('latin1'));
      this.link.forward(headBytes);
      if (!this.frames) {
        if (this.buffered.length > 0) this.link.forward(this.buffered);
        return;
      }
    }
    while (this.readFrame()) {}
  }

  /** Reads, counts and passes on one whole frame; false when more bytes are needed. */
  private readFrame(): boolean {
    const b = this.buffered;
    if (b.length < 2) return false;
    const fin = (b[0]! & 0x80) !== 0;
    const rsv1 = (b[0]! & 0x40) !== 0;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return false;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return false;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskAt = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return false;
    const raw = b.subarray(0, offset + length);
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (masked) for (let i = 0; i < length; i++) payload[i]! ^= b[maskAt + (i % 4)]!;
    this.buffered = b.subarray(offset + length);
    if (opcode === 0x1 || opcode === 0x2) this.messageType = opcode === 0x2 ? 'binary' : 'text';
    const isCut = opcode <= 0x2 && payload.includes(MARKER);
    const passOn = !this.link.isCut() && !isCut;
    count(this.read, fin, rsv1, opcode, payload, this.messageType);
    if (passOn) count(this.passed, fin, rsv1, opcode, payload, this.messageType);
    if (passOn) this.link.forward(Buffer.from(raw));
    if (isCut) this.link.cut();
    return true;
  }
}

/** Counts one frame; continuation frames belong to the message `type` they continue. */
function count(
  into: Direction,
  fin: boolean,
  rsv1: boolean,
  opcode: number,
  payload: Buffer,
  type: 'text' | 'binary',
): void {
  if (rsv1) into.compressed++;
  if (opcode <= 0x2) {
    into[type].bytes += payload.length;
    if (fin) into[type].messages++;
  } else if (opcode === 0x8) {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    into.closeCodes[code] = (into.closeCodes[code] ?? 0) + 1;
  } else if (opcode === 0x9) {
    into.pings++;
  } else if (opcode === 0xa) {
    into.pongs++;
  }
}

/** What a reader needs from its connection. */
interface Link {
  onHead(head: string): boolean;
  forward(bytes: Buffer): void;
  isCut(): boolean;
  cut(): void;
}

export class Relay {
  readonly counts: RelayCounts = {
    clientSent: direction(),
    serverReceived: direction(),
    serverSent: direction(),
    clientReceived: direction(),
    upgradeStatuses: {},
    cut: 0,
    connections: 0,
    open: 0,
  };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly targetPort: number;

  constructor(targetPort: number) {
    this.targetPort = targetPort;
  }

  async listen(): Promise<number> {
    const server = createServer((client) => this.carry(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  private carry(client: Socket): void {
    const { counts } = this;
    counts.connections++;
    counts.open++;
    const upstream = createConnection(this.targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let isUpgrade = false;
    let cut = false;
    const cutNow = () => {
      if (cut) return;
      cut = true;
      counts.cut++;
      client.end();
      upstream.end();
    };
    const up = new DirectionReader(counts.clientSent, counts.serverReceived, {
      onHead: (head) => {
        isUpgrade = /^upgrade: *websocket/im.test(head);
        return isUpgrade;
      },
      forward: (bytes) => {
        if (!upstream.destroyed && !upstream.writableEnded) upstream.write(bytes);
      },
      isCut: () => cut,
      cut: cutNow,
    });
    const down = new DirectionReader(counts.serverSent, counts.clientReceived, {
      onHead: (head) => {
        const status = Number(head.split(' ')[1]);
        if (isUpgrade) counts.upgradeStatuses[status] = (counts.upgradeStatuses[status] ?? 0) + 1;
        return isUpgrade && status === 101;
      },
      forward: (bytes) => {
        if (!client.destroyed && !client.writableEnded) client.write(bytes);
      },
      isCut: () => cut,
      cut: cutNow,
    });
    client.on('data', (chunk: Buffer) => up.push(chunk));
    upstream.on('data', (chunk: Buffer) => down.push(chunk));
    // An end or a reset on one side reaches the other as an end (FIN): what
    // that side still writes is read here, as the peer's kernel would have.
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.end());
    upstream.on('error', () => client.end());
    let closed = 0;
    const onClose = (socket: Socket) => {
      this.sockets.delete(socket);
      if (++closed === 2) counts.open--;
    };
    client.on('close', () => onClose(client));
    upstream.on('close', () => onClose(upstream));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
