#!/usr/bin/env bash
# The MCP client test over HTTP: starts `recur serve` with a token file on 127.0.0.1 (any free
# port), runs `node mcp_client.mjs http URL/mcp TOKEN` against it, drains the server with SIGTERM.
#   against_serve.sh RECUR CONFIG
set -euo pipefail
recur=$1 config=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve_with_token.sh"
serve_with_token "$recur" mcp-test --config "$config"
cd "$here"
node mcp_client.mjs http "$url/mcp" "$token"
