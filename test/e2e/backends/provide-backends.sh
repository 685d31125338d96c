#!/usr/bin/env bash
# Provides the real backends the end-to-end tests run against:
#   VictoriaMetrics (OTLP receiver, Prometheus-compatible query API),
#   Prometheus (a real scraper) and promtool (metrics lint, rule checks and rule unit tests).
#
# They come from Debian trixie's packages (victoria-metrics, prometheus, promtool),
# unpacked into a cache folder outside the repository and reused when present:
#   ${WS_OTEL_BACKENDS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ws-otel/backends}
# Nothing of the system's apt state is touched: apt reads a private copy of the
# system's own Debian source entry with its suite changed to trixie, and keeps its
# lists and caches in a private folder. `dpkg -x` unpacks; nothing is installed.
#
# On other systems, point the tests at binaries of your own instead:
#   VICTORIA_METRICS_BIN, PROMETHEUS_BIN, PROMTOOL_BIN
# (VictoriaMetrics >= 1.100 for -opentelemetry.usePrometheusNaming, Prometheus 2.x or 3.x).
set -euo pipefail

SUITE=trixie
CACHE_DIR="${WS_OTEL_BACKENDS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ws-otel/backends}"
ROOT="$CACHE_DIR/root"
say() { echo "provide-backends: $*"; }
fail() {
  echo "provide-backends: $*" >&2
  echo "provide-backends: set VICTORIA_METRICS_BIN, PROMETHEUS_BIN and PROMTOOL_BIN to binaries of your own instead" >&2
  exit 1
}

works() { [ -n "$1" ] && [ -x "$1" ] && "$1" "$2" >/dev/null 2>&1; }

cached_ok() {
  works "$ROOT/usr/bin/victoria-metrics" -version &&
    works "$ROOT/usr/bin/prometheus" --version &&
    works "$ROOT/usr/bin/promtool" --version
}

# 1. Binaries the caller chose win.
if [ -n "${VICTORIA_METRICS_BIN:-}${PROMETHEUS_BIN:-}${PROMTOOL_BIN:-}" ]; then
  works "${VICTORIA_METRICS_BIN:-}" -version || fail "VICTORIA_METRICS_BIN='${VICTORIA_METRICS_BIN:-}' does not run"
  works "${PROMETHEUS_BIN:-}" --version || fail "PROMETHEUS_BIN='${PROMETHEUS_BIN:-}' does not run"
  works "${PROMTOOL_BIN:-}" --version || fail "PROMTOOL_BIN='${PROMTOOL_BIN:-}' does not run"
  say "using VICTORIA_METRICS_BIN, PROMETHEUS_BIN and PROMTOOL_BIN from the environment"
  exit 0
fi

# 2. A cache filled earlier is reused.
if cached_ok; then
  say "reusing $CACHE_DIR ($(tr '\n' ' ' <"$CACHE_DIR/versions.txt" 2>/dev/null))"
  exit 0
fi

# 3. Otherwise fetch the Debian packages.
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
  fail "apt-get and dpkg-deb are needed to fetch the Debian packages, and this system has no apt"

# The mirror and keyring are the system's own: the first Debian source entry
# that names a release suite (not -security, -updates or -backports).
read_source_entry() {
  local file uri suite keyring
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    # deb822 stanzas, separated by blank lines.
    if awk -v RS='' '
      {
        types = ""; uris = ""; suites = ""; signed = ""
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          line = lines[i]
          if (line ~ /^#/) continue
          if (line ~ /^Types:/) types = substr(line, 7)
          else if (line ~ /^URIs:/) uris = substr(line, 6)
          else if (line ~ /^Suites:/) suites = substr(line, 8)
          else if (line ~ /^Signed-By:/) signed = substr(line, 11)
        }
        if (types !~ /(^| )deb( |$)/) next
        split(uris, u, " "); split(suites, s, " ")
        for (j in s) if (s[j] !~ /-/ && u[1] ~ /debian/) {
          gsub(/^ +| +$/, "", signed)
          print u[1], (signed == "" ? "-" : signed)
          found = 1
          exit
        }
      }
      END { exit found ? 0 : 1 }' "$file"; then
      return 0
    fi
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    # One-line entries: deb [options] uri suite components...
    if awk '
      $1 == "deb" {
        keyring = "-"; k = 2
        if ($2 ~ /^\[/) {
          while (k <= NF) {
            if ($k ~ /signed-by=/) { keyring = $k; sub(/.*signed-by=/, "", keyring); sub(/\]$/, "", keyring) }
            if ($k ~ /\]$/) { k++; break }
            k++
          }
        }
        if ($k ~ /debian/ && $(k + 1) !~ /-/) { print $k, keyring; found = 1; exit }
      }
      END { exit found ? 0 : 1 }' "$file"; then
      return 0
    fi
  done
  return 1
}

entry="$(read_source_entry)" || fail "found no Debian source entry in /etc/apt to derive a mirror from"
MIRROR="${entry%% *}"
KEYRING="${entry#* }"
if [ "$KEYRING" = "-" ]; then KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg; fi
[ -r "$KEYRING" ] || fail "keyring $KEYRING is not readable"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs"
echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" >"$WORK/sources.list"

APT_OPTS=(
  -o "Dir::Etc::SourceList=$WORK/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::Etc::Preferences=/dev/null"
  -o "Dir::Etc::PreferencesParts=/dev/null"
  -o "Dir::State::Lists=$WORK/lists"
  -o "Dir::Cache=$WORK/cache"
  -o "Acquire::Languages=none"
  -o "APT::Get::List-Cleanup=false"
)
# apt drops privileges to _apt for downloads, which cannot write a private folder of root's.
if [ "$(id -u)" = 0 ]; then APT_OPTS+=(-o "APT::Sandbox::User=root"); fi

say "fetching victoria-metrics, prometheus and promtool from Debian $SUITE (mirror taken from the system's apt sources)"
apt-get "${APT_OPTS[@]}" -qq update >"$WORK/update.log" 2>&1 || {
  cat "$WORK/update.log" >&2
  fail "apt-get update for $SUITE failed"
}
(cd "$WORK/debs" && apt-get "${APT_OPTS[@]}" -qq download victoria-metrics prometheus promtool) ||
  fail "apt-get download failed"

rm -rf "$CACHE_DIR.new"
mkdir -p "$CACHE_DIR.new/root"
: >"$CACHE_DIR.new/versions.txt"
for deb in "$WORK"/debs/*.deb; do
  dpkg-deb -x "$deb" "$CACHE_DIR.new/root"
  dpkg-deb --show --showformat='${Package}=${Version}\n' "$deb" >>"$CACHE_DIR.new/versions.txt"
done
rm -rf "$CACHE_DIR"
mv "$CACHE_DIR.new" "$CACHE_DIR"
cached_ok || fail "the unpacked binaries in $ROOT/usr/bin do not run on this system"
say "ready in $CACHE_DIR: $(tr '\n' ' ' <"$CACHE_DIR/versions.txt")"
