# Sourced by the client tests that talk to `recur serve`:
#   serve_with_token RECUR TOKEN_NAME [SERVE_ARGS...]
# starts `recur serve` on 127.0.0.1 (any free port) with a token file holding one submit token,
# waits (bounded) for the URL it prints, and sets `url` and `token`; at exit the server is drained
# with SIGTERM and its folder removed.
serve_work="" serve_pid=""
serve_cleanup() {
  [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  [ -n "$serve_work" ] && rm -rf "$serve_work"
}
trap serve_cleanup EXIT

serve_with_token() {
  local recur=$1 name=$2
  shift 2
  serve_work=$(mktemp -d)
  token=$("$recur" token add --name "$name" --role submit --auth "$serve_work/tokens.json")
  "$recur" serve --store "$serve_work/store" --listen 127.0.0.1:0 \
    --auth "$serve_work/tokens.json" "$@" --json >"$serve_work/url.json" 2>"$serve_work/serve.log" &
  serve_pid=$!
  for _ in $(seq 1 200); do
    [ -s "$serve_work/url.json" ] && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$serve_work/serve.log" >&2; exit 1; }
    sleep 0.05
  done
  url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).url)' \
    "$serve_work/url.json")
}
