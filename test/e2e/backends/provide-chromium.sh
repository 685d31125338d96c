#!/usr/bin/env bash
# Provides the real browser for test/e2e/browser.test.mts: Debian's chromium,
# driven by playwright-core (which cannot download a browser of its own here).
# Installs it only when it is missing and this runs as root with apt; otherwise
# says in one line how to get it, and the browser test skips (fails under CI=true).
set -euo pipefail

bin="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  echo "provide-chromium: using $bin"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "provide-chromium: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "provide-chromium: no chromium at $bin; install it with 'apt-get install -y chromium' (as root) or set CHROMIUM_BIN"
