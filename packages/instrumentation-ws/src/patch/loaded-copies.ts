import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

const WEBSOCKET_FILE = `${sep}ws${sep}lib${sep}websocket.js`;
const SERVER_FILE = `${sep}ws${sep}lib${sep}websocket-server.js`;
const SUPPORTED_MAJORS = new Set(['7', '8']);

/** The classes of every copy of ws 7 or 8 that has finished loading in this process. */
export interface LoadedWsClasses {
  webSockets: Array<{ prototype: object }>;
  servers: Array<{ prototype: object }>;
}

function versionOfCopy(libFile: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dirname(libFile), '..', 'package.json'), 'utf8'));
    return String(manifest.version);
  } catch {
    return undefined;
  }
}

function supportedCopy(libFile: string): boolean {
  return SUPPORTED_MAJORS.has(versionOfCopy(libFile)?.split('.')[0] ?? '');
}

/**
 * The version of the copy of ws whose `lib/websocket-server.js` exports the
 * class of `prototype`, or undefined when `require.cache` does not hold it
 * (a bundle, say).
 */
export function serverVersionOf(prototype: object): string | undefined {
  for (const [file, entry] of Object.entries(require.cache)) {
    if (file.endsWith(SERVER_FILE) && entry?.exports?.prototype === prototype) {
      return versionOfCopy(file);
    }
  }
  return undefined;
}

function classWith(exports: unknown, method: string): { prototype: object } | undefined {
  const prototype = (exports as { prototype?: Record<string, unknown> } | null)?.prototype;
  return typeof exports === 'function' && typeof prototype?.[method] === 'function'
    ? (exports as { prototype: object })
    : undefined;
}

/**
 * Finds ws in `require.cache`. Two cases need it: ws loaded before the
 * instrumentation was enabled, and `import 'ws'`, where Node evaluates
 * `lib/websocket-server.js` for the ESM wrapper without going through
 * `require`, so no require hook sees it.
 */
export function findLoadedWs(): LoadedWsClasses {
  const found: LoadedWsClasses = { webSockets: [], servers: [] };
  for (const [file, entry] of Object.entries(require.cache)) {
    if (!entry?.loaded) continue;
    if (file.endsWith(WEBSOCKET_FILE)) {
      const cls = classWith(entry.exports, 'setSocket');
      if (cls && supportedCopy(file)) found.webSockets.push(cls);
    } else if (file.endsWith(SERVER_FILE)) {
      const cls = classWith(entry.exports, 'handleUpgrade');
      if (cls && supportedCopy(file)) found.servers.push(cls);
    }
  }
  return found;
}
