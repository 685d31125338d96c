// Compiled with the DOM library only (tsconfig.dom.json): a browser app's
// WebSocket, event handlers and the reporter's types fit together.
import { createHealthReporter, type HealthSnapshot, isReporterFrame } from '../../dist/index.js';

const socket = new WebSocket('wss://example.invalid/live');
const reporter = createHealthReporter(socket, { intervalMs: 15000 });
socket.addEventListener('message', (event: MessageEvent) => {
  if (isReporterFrame(event.data)) return;
});
reporter.attach(new WebSocket('wss://example.invalid/live'));
const snapshot: HealthSnapshot = reporter.snapshot();
const rtt: number | null = snapshot.rttP50Ms;
reporter.stop();

export { rtt };
