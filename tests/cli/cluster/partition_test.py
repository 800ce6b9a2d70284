"""A cluster across network namespaces: the coordinator in one, each node in its own, joined by
veth pairs (10.123.K.0/24). The test makes the namespaces and removes them, whatever happens.

A silent partition: node-1's link is taken down while it holds sessions (no RST, no FIN: packets
just stop). Checks, each able to fail:
- the coordinator drops node-1 within its heartbeat timeout and the job ends with the report the
  same job writes on a server without a cluster, its sessions finished by node-2;
- node-1, on its side, notices the silence, stops its workers and says so, so that a partitioned
  node never runs a session on into the store;
- with the link back, node-1 joins again under a new epoch.

Needs root (ip netns); without it the test says why and is skipped (exit 77).
Usage: partition_test.py RECUR MODELS_DIR PIPELINES_DIR
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from cluster_support import (Processes, fail, finished_report, http, job_busy_on, node,
                             wait_for)

RECUR, MODELS, PIPELINES = sys.argv[1:4]
INSIDE = len(sys.argv) > 4 and sys.argv[4] == "--inside"
TAG = "rcp%d" % (os.getpid() % 100000) if not INSIDE else sys.argv[5]
NS_C, NODES = TAG + "-c", [TAG + "-1", TAG + "-2"]
JOB = {"pipeline": "load", "model": "addition-pointer", "seed": 5,
       "params": {"agents": 48, "digits": 40}}
TIMING = ["--heartbeat-ms", "200", "--timeout-ms", "3000"]


def sh(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(" ".join(args) + ": " + r.stderr.strip())
    return r.stdout


def make_namespaces():
    sh("ip", "netns", "add", NS_C)
    sh("ip", "-n", NS_C, "link", "set", "lo", "up")
    for k, ns in enumerate(NODES, start=1):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", "%s-c%d" % (TAG, k), "netns", NS_C, "type", "veth", "peer", "name",
           "%s-n%d" % (TAG, k), "netns", ns)
        sh("ip", "-n", NS_C, "addr", "add", "10.123.%d.1/24" % k, "dev", "%s-c%d" % (TAG, k))
        sh("ip", "-n", ns, "addr", "add", "10.123.%d.2/24" % k, "dev", "%s-n%d" % (TAG, k))
        sh("ip", "-n", NS_C, "link", "set", "%s-c%d" % (TAG, k), "up")
        sh("ip", "-n", ns, "link", "set", "%s-n%d" % (TAG, k), "up")


def remove_namespaces():
    for ns in [NS_C] + NODES:
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout
        for pid in pids.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def outside():
    if os.geteuid() != 0:
        print("skipped: network namespaces need root")
        raise SystemExit(77)
    try:
        make_namespaces()
    except RuntimeError as e:
        remove_namespaces()
        print("skipped: cannot make network namespaces here (%s)" % e)
        raise SystemExit(77)
    try:
        r = subprocess.run(["ip", "netns", "exec", NS_C, sys.executable, __file__, RECUR, MODELS,
                            PIPELINES, "--inside", TAG], timeout=540)
        raise SystemExit(r.returncode)
    finally:
        remove_namespaces()


run = Processes(RECUR, MODELS, PIPELINES)
start, serve = run.start, run.serve


def inside():
    tmp = tempfile.mkdtemp(prefix="recur-partition-test-")
    tls = os.path.join(tmp, "tls")
    subprocess.run([RECUR, "cluster", "init", "--out", tls, "--nodes", "2"], check=True,
                   capture_output=True)
    plain, info = serve(tmp, "plain", ["--threads", "1"])
    reference = finished_report(info["url"], http(info["url"] + "/v1/jobs", JOB)["id"])
    plain.send_signal(signal.SIGTERM)
    plain.wait(timeout=60)

    coordinator, info = serve(tmp, "coordinator",
                              ["--cluster-listen", "0.0.0.0:7400", "--tls", tls] + TIMING)
    url = info["url"]
    for k, ns in enumerate(NODES, start=1):
        start(["node", "--join", "10.123.%d.1:7400" % k, "--tls", tls, "--name", "node-%d" % k,
               "--threads", "1"] + TIMING, os.path.join(tmp, "node-%d.log" % k), ns)
    wait_for("both nodes", lambda: all((node(url, "node-%d" % k) or {}).get("up") for k in (1, 2)))
    epoch_1 = node(url, "node-1")["epoch"]

    job = job_busy_on(url, "node-1", JOB)
    sh("ip", "-n", NODES[0], "link", "set", "%s-n1" % TAG, "down")
    cut = time.time()
    report = finished_report(url, job)
    if report != reference:
        fail("after the partition the report differs:\n%s\n%s" % (report, reference))
    if node(url, "node-1")["up"]:
        fail("node-1 is still listed up after the job ended without it")
    log_1 = os.path.join(tmp, "node-1.log")
    wait_for("node-1 to notice the partition",
             lambda: "lost the coordinator" in open(log_1).read(), 30)
    noticed = time.time() - cut

    sh("ip", "-n", NODES[0], "link", "set", "%s-n1" % TAG, "up")
    wait_for("node-1 to join again",
             lambda: node(url, "node-1")["up"] and node(url, "node-1")["epoch"] > epoch_1, 60)
    print("ok: a silent partition of node-1 (noticed on its side after %.1f s), the job ended "
          "with the reference report, node-1 joined again: %s" % (noticed, json.dumps(report["rows"])))


if not INSIDE:
    outside()
else:
    try:
        inside()
    finally:
        run.stop_all()
