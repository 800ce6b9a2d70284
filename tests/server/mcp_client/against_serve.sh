#!/usr/bin/env bash
# The MCP client test over HTTP: starts `recur serve` with a token file on 127.0.0.1 (any free
# port), runs `node mcp_client.mjs http URL/mcp TOKEN` against it, drains the server with SIGTERM.
#   against_serve.sh RECUR CONFIG
set -euo pipefail
recur=$1 config=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
token=$("$recur" token add --name mcp-test --role submit --auth "$work/tokens.json")
"$recur" serve --store "$work/store" --listen 127.0.0.1:0 --auth "$work/tokens.json" \
  --config "$config" --json >"$work/url.json" 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 200); do
  [ -s "$work/url.json" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.05
done
url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).url)' "$work/url.json")
cd "$here"
node mcp_client.mjs http "$url/mcp" "$token"
