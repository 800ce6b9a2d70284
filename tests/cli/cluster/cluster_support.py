"""What the cluster tests share: `recur` processes they start and stop, the HTTP API they call,
and waiting for a job's report or for a node to hold sessions."""
import json
import os
import signal
import subprocess
import time
import urllib.request


def fail(message):
    print("FAIL: " + message)
    raise SystemExit(1)


def http(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as r:
        return json.loads(r.read())


def wait_for(what, predicate, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def finished_report(url, job):
    def ended():
        j = http(url + "/v1/jobs/" + job)
        return j if j["status"] not in ("queued", "running") else None
    j = wait_for("job " + job + " to end", ended, 120)
    if j["status"] != "finished":
        fail("job %s ended %s: %s" % (job, j["status"], j.get("error")))
    return http(url + "/v1/jobs/%s/report" % job)


def node(url, name):
    for n in http(url + "/v1/nodes")["nodes"]:
        if n["name"] == name:
            return n
    return None


def job_busy_on(url, name, job, attempts=10):
    """Submits `job` until one is seen with sessions on node `name` and returns its id (the job is
    then still running there); earlier ones that ended first are left ended."""
    for _ in range(attempts):
        submitted = http(url + "/v1/jobs", job)["id"]
        while True:
            n = node(url, name)
            if n and n["slots_used"] > 0:
                return submitted
            if http(url + "/v1/jobs/" + submitted)["status"] not in ("queued", "running"):
                break
            time.sleep(0.02)
    fail("no job was seen with sessions on %s in %d tries" % (name, attempts))


class Processes:
    """The `recur` processes of a test, stopped (SIGTERM, then SIGKILL) by stop_all."""

    def __init__(self, recur, models, pipelines):
        self.recur, self.models, self.pipelines = recur, models, pipelines
        self.procs = []

    def start(self, args, log, ns=None):
        cmd = ([] if ns is None else ["ip", "netns", "exec", ns]) + [self.recur] + args
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)
        self.procs.append(p)
        return p

    def serve(self, tmp, name, extra):
        """`recur serve` with a store of its own in `tmp`; returns it and its first line."""
        p = self.start(["serve", "--store", os.path.join(tmp, name), "--listen", "127.0.0.1:0",
                        "--models", self.models, "--pipelines", self.pipelines, "--json"] + extra,
                       os.path.join(tmp, name + ".log"))
        return p, json.loads(p.stdout.readline())

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
