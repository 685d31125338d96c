// The browser example's server: the page, the reporter's ES modules, and an
// echo WebSocket at /ws. Run it with `pnpm start`, which preloads the
// zero-code instrumentation with client reports on and metrics on /metrics.
const { readFile } = require('node:fs/promises');
const http = require('node:http');
const { createRequire } = require('node:module');
const path = require('node:path');
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT || 8080);
const metricsPort = Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT || 9464);
const PUBLIC_DIR = path.join(__dirname, 'public');
const PAGE_FILES = { '/': 'index.html', '/app.js': 'app.js' };
// The page's import map names these two packages; each is served from its built ESM folder.
const VENDOR_PREFIXES = {
  '/vendor/client-reporter/': () => path.dirname(require.resolve('@ws-otel/client-reporter')),
  // The reporter's one dependency: the wire protocol it shares with the server.
  '/vendor/report-protocol/': () =>
    path.join(
      path.dirname(
        createRequire(require.resolve('@ws-otel/client-reporter')).resolve(
          '@ws-otel/report-protocol/package.json',
        ),
      ),
      'dist/esm',
    ),
};
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

function vendorDirs() {
  try {
    return Object.entries(VENDOR_PREFIXES).map(([prefix, dir]) => [prefix, dir()]);
  } catch {
    console.error('browser example: @ws-otel/client-reporter is not built; run `pnpm build` first');
    process.exit(1);
  }
}
const VENDOR_DIRS = vendorDirs();

/** The file a path names, or undefined: the page's own files and the reporter's built modules. */
function fileFor(urlPath) {
  if (Object.hasOwn(PAGE_FILES, urlPath)) return path.join(PUBLIC_DIR, PAGE_FILES[urlPath]);
  for (const [prefix, dir] of VENDOR_DIRS) {
    if (!urlPath.startsWith(prefix)) continue;
    const name = urlPath.slice(prefix.length);
    // Plain module names only: nothing outside the packages' dist folders is served.
    if (/^[a-z][a-z-]*\.js(\.map)?$/.test(name)) return path.join(dir, name);
  }
  return undefined;
}

const server = http.createServer(async (request, response) => {
  const urlPath = new URL(request.url, 'http://localhost').pathname;
  const file = request.method === 'GET' ? fileFor(urlPath) : undefined;
  try {
    if (file === undefined) throw new Error('not found');
    const body = await readFile(file);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)],
      'cache-control': 'no-store',
    });
    response.end(body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end('not found\n');
  }
});

// The app: an echo. With client reports on, the instrumentation answers the
// reporter's probes and takes its reports; this listener never sees them.
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => {});
});

server.on('error', (error) => {
  console.error(
    error.code === 'EADDRINUSE'
      ? `browser example: port ${port} is already in use; set PORT to a free port`
      : `browser example: could not start: ${error.message}`,
  );
  // Exit now: the metrics endpoint started beside the app would keep the process alive.
  process.exit(1);
});

server.listen(port, () => {
  const { port: actual } = server.address();
  console.log(`browser example: open http://localhost:${actual}/`);
  console.log(`metrics: http://localhost:${metricsPort}/metrics (websocket_server_report*)`);
  if (process.env.OTEL_WS_CLIENT_REPORTS !== 'true') {
    console.warn(
      'browser example: OTEL_WS_CLIENT_REPORTS is not true, so reports are not recorded; use `pnpm start`',
    );
  }
});

function stop() {
  for (const client of wss.clients) client.close(1001, 'server stopping');
  wss.close();
  server.close();
  // Clients get a moment to answer the close frame; then whatever is left goes.
  setTimeout(() => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
  }, 1000).unref();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
