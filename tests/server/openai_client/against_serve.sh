#!/usr/bin/env bash
# The OpenAI client test: starts `recur serve` with a token file and the shipped models on
# 127.0.0.1 (any free port), runs `node openai_client.mjs URL TOKEN`, drains the server.
#   against_serve.sh RECUR MODELS
set -euo pipefail
recur=$1 models=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve_with_token.sh"
serve_with_token "$recur" openai-test --models "$models"
cd "$here"
node openai_client.mjs "$url" "$token"
