#!/usr/bin/env bash
# The dashboard test: runs dashboard.mjs from the build tree (where npm ci installed
# playwright-core); exits 77, which CTest counts as skipped, when Chromium is missing.
#   in_chromium.sh RECUR MODELS PIPELINES OUT_DIR
set -euo pipefail
chromium=${RECUR_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "skipped: Chromium not found at $chromium (install Debian's chromium with" \
    "scripts/install-deps, or set RECUR_CHROMIUM)" >&2
  exit 77
fi
cd "$(dirname "$0")"
exec node dashboard.mjs "$@"
