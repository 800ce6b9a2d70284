#!/usr/bin/env bash
# A real Prometheus scraping `recur serve`: the service runs on 127.0.0.1 (any free port) with a
# token file and the shipped models; Prometheus, on another free loopback port, scrapes its
# /metrics every second with a read token. Once a job of one agent has finished, Prometheus's
# query API must return the series the exposition carries: the target up, the model's supervisor
# up, its tokens, the job finished, the scrapes counted as requests. Every wait is bounded in
# count; both servers are stopped and the temporary folder removed at exit.
#   scrape_serve.sh RECUR PROMETHEUS MODELS
set -euo pipefail
recur=$1 prometheus=$2 models=$3
work=$(mktemp -d)
server="" scraper=""
stop() {
  [ -n "$1" ] && kill -TERM "$1" 2>/dev/null && wait "$1" 2>/dev/null || true
}
cleanup() {
  stop "$scraper"
  stop "$server"
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "scrape_serve: $*" >&2
  for log in serve.log prometheus.log; do
    [ -f "$work/$log" ] && { echo "--- $log" >&2; tail -n 30 "$work/$log" >&2; }
  done
  exit 1
}

# GET (or POST with a JSON body) on loopback; prints the body.
http() {  # METHOD URL TOKEN [BODY]
  python3 - "$@" <<'PY'
import sys, urllib.request
method, url, token = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(url, data=body, method=method)
if token:
    req.add_header("Authorization", "Bearer " + token)
if body is not None:
    req.add_header("Content-Type", "application/json")
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stdout.write(r.read().decode())
PY
}

# The value of the instant query QUERY's first sample at Prometheus; "none" without one.
query() {  # QUERY
  python3 - "http://127.0.0.1:$port/api/v1/query" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "?" + urllib.parse.urlencode({"query": sys.argv[2]})
try:
    with urllib.request.urlopen(url, timeout=10) as r:
        result = json.load(r)["data"]["result"]
except OSError:
    result = []
print(result[0]["value"][1] if result else "none")
PY
}

# Waits until QUERY's value is VALUE (at most 600 times 0.1 s).
wait_for() {  # QUERY VALUE
  local value=none
  for _ in $(seq 1 600); do
    value=$(query "$1")
    [ "$value" = "$2" ] && return 0
    kill -0 "$server" 2>/dev/null || fail "recur serve exited"
    kill -0 "$scraper" 2>/dev/null || fail "prometheus exited"
    sleep 0.1
  done
  fail "$1 is $value, not $2"
}

reader=$("$recur" token add --name prometheus --role read --auth "$work/tokens.json")
submitter=$("$recur" token add --name submitter --role submit --auth "$work/tokens.json")
printf '%s' "$reader" >"$work/prometheus.token"
"$recur" serve --store "$work/store" --listen 127.0.0.1:0 --auth "$work/tokens.json" \
  --models "$models" --json >"$work/url.json" 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 200); do
  [ -s "$work/url.json" ] && break
  kill -0 "$server" 2>/dev/null || fail "recur serve exited"
  sleep 0.05
done
url=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$work/url.json")
target=${url#http://}

# A free port for Prometheus: one the kernel gives, then let go (another test may take it in
# between: then Prometheus exits, and the next port is tried, three times at most).
for attempt in 1 2 3; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: recur
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials_file: $work/prometheus.token
    static_configs:
      - targets: ["$target"]
YML
  "$prometheus" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
  scraper=$!
  ready=no
  for _ in $(seq 1 300); do
    kill -0 "$scraper" 2>/dev/null || break
    if http GET "http://127.0.0.1:$port/-/ready" "" >/dev/null 2>&1; then ready=yes; break; fi
    sleep 0.1
  done
  [ "$ready" = yes ] && break
  stop "$scraper"
  scraper=""
done
[ -n "$scraper" ] || fail "prometheus did not start"

# The target is up: Prometheus reached the service with its token and parsed the exposition.
wait_for 'up{job="recur"}' 1

# One agent of the addition model, through the API.
job=$(http POST "$url/v1/jobs" "$submitter" \
  '{"model": "addition-pointer", "source": "local r = assert(agent.run{prompt = \"1 2 + 3 4 =\", max_tokens = 200}) assert(r.output == \"4 6\", r.output)"}')
id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$job")
status=queued
for _ in $(seq 1 600); do
  status=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["status"])' \
    "$(http GET "$url/v1/jobs/$id" "$reader")")
  case $status in queued | running) sleep 0.1 ;; *) break ;; esac
done
[ "$status" = finished ] || fail "job $id is $status"

wait_for 'recur_jobs{job="recur",status="finished"}' 1
wait_for 'recur_supervisor_up{job="recur",model="addition-pointer"}' 1
wait_for 'recur_jobs{job="recur",status="queued"}' 0
tokens=$(query 'sum(recur_tokens_generated_total{job="recur",model="addition-pointer"})')
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 3 else 1)' "$tokens" ||
  fail "tokens generated: $tokens"
scrapes=$(query 'sum(recur_http_requests_total{job="recur",method="GET",route="/metrics",code="200"})')
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 1 else 1)' "$scrapes" ||
  fail "scrapes counted: $scrapes"
echo "prometheus scraped recur serve: $tokens tokens generated, $scrapes scrapes counted"
