'use strict';
// For the version matrix only, preloaded with --require (NODE_OPTIONS, so the
// fixtures' child processes get it too): `require('ws')` and `import 'ws'`
// load the copy of ws in WS_OTEL_MATRIX_WS (a folder holding
// node_modules/ws) instead of the workspace's own, so one checkout runs its
// suite on several versions without touching node_modules. The package's
// tests use the names later ws 8 releases export (`WebSocketServer`); ws 7
// and 8.0.0 export the same classes as the module itself and `Server`, so
// their index.js gets the two names added as it loads. Nothing else changes.
const { existsSync, readFileSync } = require('node:fs');
const { registerHooks } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = process.env.WS_OTEL_MATRIX_WS;
if (root) {
  const dir = join(root, 'node_modules', 'ws');
  const index = join(dir, 'index.js');
  const needsNames = !readFileSync(index, 'utf8').includes('WebSocketServer');
  const hasWrapper = existsSync(join(dir, 'wrapper.mjs'));
  const ALIASES =
    '\nmodule.exports.WebSocket = module.exports;\nmodule.exports.WebSocketServer = module.exports.Server;\n';

  // Node 22 calls the hooks API experimental and says so on stderr, which
  // the suite checks is silent: this one warning is left out.
  const emitWarning = process.emitWarning;
  process.emitWarning = function quiet(warning, ...rest) {
    if (String(warning).includes('registerHooks')) return;
    return emitWarning.call(this, warning, ...rest);
  };
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier !== 'ws') return nextResolve(specifier, context);
      const esm = context.conditions?.includes('import') && hasWrapper;
      return {
        url: pathToFileURL(join(dir, esm ? 'wrapper.mjs' : 'index.js')).href,
        format: esm ? 'module' : 'commonjs',
        shortCircuit: true,
      };
    },
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (!needsNames || url !== pathToFileURL(index).href) return result;
      return { ...result, source: String(result.source) + ALIASES };
    },
  });
  process.emitWarning = emitWarning;
}
