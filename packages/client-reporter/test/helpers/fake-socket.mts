// A socket with no network under it, for what real time cannot reach quickly:
// it acks every probe at once, so with mocked timers a test can run a
// reporter through many probe intervals in an instant.
import { ackFrame, FRAME_TAG } from '../../dist/index.js';

const PROBE_PREFIX = `${FRAME_TAG}probe `;

export class AckingSocket extends EventTarget {
  readyState = 1;
  readonly sent: string[] = [];

  send(data: string): void {
    this.sent.push(data);
    if (data.startsWith(PROBE_PREFIX)) {
      const ack = ackFrame(data.slice(PROBE_PREFIX.length));
      this.dispatchEvent(new MessageEvent('message', { data: ack }));
    }
  }
}
