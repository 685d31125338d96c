// The page's app: an echo over one WebSocket that reconnects when it drops,
// measured by the client reporter. window.wsOtelExample lets tests drive it.
import { createHealthReporter, isReporterFrame } from '@ws-otel/client-reporter';

const params = new URLSearchParams(location.search);
const intervalMs = Number(params.get('interval')) || 10000;
const probeIntervalMs = Number(params.get('probe')) || 5000;
const socketUrl = new URL('/ws', location.href);
socketUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const RECONNECT_DELAY_MS = 1000;

let echoes = 0;
let sent = 0;
let socket = connect();
const reporter = createHealthReporter(socket, { intervalMs, probeIntervalMs });

function connect() {
  const next = new WebSocket(socketUrl);
  next.addEventListener('message', (event) => {
    // The reporter's acks arrive on the same socket: skip them.
    if (isReporterFrame(event.data)) return;
    echoes++;
  });
  next.addEventListener('close', () => {
    // A socket the page already replaced is not a reason to reconnect.
    if (next === socket) setTimeout(reconnect, RECONNECT_DELAY_MS);
  });
  return next;
}

function reconnect() {
  socket = connect();
  reporter.attach(socket);
}

/** Ends the current connection with an application close code and opens a new one. */
function forceReconnect() {
  const old = socket;
  socket = connect();
  reporter.attach(socket);
  old.close(4000, 'reconnect requested by the page');
}

// App traffic beside the reporter's frames.
setInterval(() => {
  if (socket.readyState === WebSocket.OPEN) socket.send(`hello ${++sent}`);
}, 2000);

const format = (ms) => (ms === null ? '-' : `${ms.toFixed(1)} ms`);
function render() {
  const status = reporter.snapshot();
  document.getElementById('state').textContent = status.state;
  document.getElementById('last-rtt').textContent = format(status.lastRttMs);
  document.getElementById('p50-rtt').textContent = format(status.rttP50Ms);
  document.getElementById('reconnects').textContent = String(status.reconnects);
  document.getElementById('errors').textContent = String(status.errors);
  document.getElementById('reports-sent').textContent = String(status.reportsSent);
  document.getElementById('echoes').textContent = String(echoes);
}
setInterval(render, 250);
render();
document.getElementById('reconnect').addEventListener('click', forceReconnect);

window.wsOtelExample = {
  forceReconnect,
  status: () => ({ ...reporter.snapshot(), echoes }),
};
