#!/usr/bin/env bash
# The OpenAI client test: starts `recur serve` with a token file and the shipped models on
# 127.0.0.1 (any free port), runs `node openai_client.mjs URL TOKEN`, drains the server.
#   against_serve.sh RECUR MODELS
set -euo pipefail
recur=$1 models=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
token=$("$recur" token add --name openai-test --role submit --auth "$work/tokens.json")
"$recur" serve --store "$work/store" --listen 127.0.0.1:0 --auth "$work/tokens.json" \
  --models "$models" --json >"$work/url.json" 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 200); do
  [ -s "$work/url.json" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.05
done
url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).url)' "$work/url.json")
cd "$here"
node openai_client.mjs "$url" "$token"
