"""A cluster on 127.0.0.1: `recur cluster init`, a coordinator (`recur serve --cluster-listen`) and
nodes (`recur node --join`) as separate processes, all talking over mutual TLS.

Checks, each able to fail:
- the certificates verify with the `openssl` command against their CA and not against another's;
- a node with another cluster's certificate, or none that its files hold, is refused at once with
  an error naming the cause, and never appears among the nodes;
- a job whose agents run on two nodes ends with the report the same job writes on a server
  without a cluster (same seed and params: greedy decoding, the same tokens);
- `kill -9` of a node while the job's agents run on it: the job still ends with that report, the
  node is listed as lost, and the other node kept its link to the coordinator throughout (the
  same epoch: it never had to join again);
- SIGSTOP of a node while it holds sessions: the coordinator's heartbeat timeout notices it, the
  job ends with that report; after SIGCONT the node finds itself cut off and joins again under a
  new epoch;
- `kill -9` of the coordinator mid-job, started again on the same store and cluster port: the
  nodes join it again and the job resumes and ends with that report;
- the coordinator drained with SIGTERM (which stops the workers it placed on the nodes) and
  started again: the nodes join it again and the next job ends with that report.

Usage: cluster_test.py RECUR MODELS_DIR PIPELINES_DIR
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

from cluster_support import (Processes, fail, finished_report, http, job_busy_on, node,
                             wait_for)

RECUR, MODELS, PIPELINES = sys.argv[1:4]
JOB = {"pipeline": "load", "model": "addition-pointer", "seed": 11,
       "params": {"agents": 48, "digits": 40}}
run = Processes(RECUR, MODELS, PIPELINES)
start, serve = run.start, run.serve
procs = run.procs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_job(url):
    return http(url + "/v1/jobs", JOB)["id"]


def node_names(url, up_only=True):
    return sorted(n["name"] for n in http(url + "/v1/nodes")["nodes"]
                  if n.get("role") == "node" and (n["up"] or not up_only))


def main():
    tmp = TMP
    tls, other = os.path.join(tmp, "tls"), os.path.join(tmp, "other")
    for d in (tls, other):
        r = subprocess.run([RECUR, "cluster", "init", "--out", d, "--nodes", "3"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("cluster init: " + r.stderr)
    ca = os.path.join(tls, "ca.pem")
    for member in ("coordinator", "node-1", "node-3"):
        ok = subprocess.run(["openssl", "verify", "-CAfile", ca, os.path.join(tls, member + ".pem")],
                            capture_output=True)
        if ok.returncode != 0:
            fail(member + ".pem does not verify against its CA")
    wrong = subprocess.run(["openssl", "verify", "-CAfile", ca, os.path.join(other, "node-1.pem")],
                           capture_output=True)
    if wrong.returncode == 0:
        fail("another cluster's certificate verifies against this CA")

    # The reference: the same job on a server without a cluster.
    plain, plain_info = serve(tmp, "plain", ["--threads", "1"])
    reference = finished_report(plain_info["url"], run_job(plain_info["url"]))
    plain.send_signal(signal.SIGTERM)
    plain.wait(timeout=60)

    cluster_port = free_port()
    coordinator_args = ["--cluster-listen", "127.0.0.1:%d" % cluster_port, "--tls", tls,
                        "--heartbeat-ms", "200", "--timeout-ms", "4000"]
    coordinator, info = serve(tmp, "coordinator", coordinator_args)
    url, port = info["url"], info["cluster_port"]
    join = ["node", "--join", "127.0.0.1:%d" % port, "--threads", "1",
            "--heartbeat-ms", "200", "--timeout-ms", "4000"]

    # Refused: another cluster's certificate; a key that is not the certificate's.
    r = subprocess.run([RECUR] + join + ["--tls", other, "--name", "node-1"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 1 or "coordinator" not in r.stderr:
        fail("a node of another CA was not refused clearly: rc=%d %s" % (r.returncode, r.stderr))
    mixed = os.path.join(tmp, "mixed")
    os.makedirs(mixed)
    for f, src in (("ca.pem", tls), ("node-1.pem", tls), ("node-1.key", other)):
        with open(os.path.join(src, f)) as a, open(os.path.join(mixed, f), "w") as b:
            b.write(a.read())
    r = subprocess.run([RECUR] + join + ["--tls", mixed, "--name", "node-1"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 1 or "does not belong" not in r.stderr:
        fail("a key of another certificate was not refused: rc=%d %s" % (r.returncode, r.stderr))
    if node_names(url, up_only=False):
        fail("a refused node is listed: %s" % node_names(url, False))

    # Two nodes run the job.
    for k in (1, 2):
        start(join + ["--tls", tls, "--name", "node-%d" % k], os.path.join(tmp, "node-%d.log" % k))
    wait_for("two nodes", lambda: node_names(url) == ["node-1", "node-2"])
    report = finished_report(url, run_job(url))
    if report != reference:
        fail("the cluster's report differs:\n%s\n%s" % (report, reference))
    workers = {n["name"]: n["workers"] for n in http(url + "/v1/nodes")["nodes"]}
    for k in ("node-1", "node-2"):
        if not any(w["state"] == "up" and w["model"] == "addition-pointer" for w in workers[k]):
            fail("%s runs no worker of the model: %s" % (k, workers[k]))

    # kill -9 of node-1 while the next job's agents run.
    job = job_busy_on(url, "node-1", JOB)
    epoch_2 = [n["epoch"] for n in http(url + "/v1/nodes")["nodes"] if n["name"] == "node-2"]
    procs[-2].kill()
    report = finished_report(url, job)
    if report != reference:
        fail("after kill -9 of a node the report differs:\n%s\n%s" % (report, reference))
    lost = [n for n in http(url + "/v1/nodes")["nodes"] if n["name"] == "node-1"]
    if not lost or lost[0]["up"]:
        fail("node-1 is not listed as lost: %s" % lost)
    other = [n for n in http(url + "/v1/nodes")["nodes"] if n["name"] == "node-2"]
    if not other or not other[0]["up"] or [other[0]["epoch"]] != epoch_2:
        fail("node-2 lost its link when node-1 went: %s (epoch before: %s)" % (other, epoch_2))

    # SIGSTOP of a node that holds sessions; node-3 takes over.
    start(join + ["--tls", tls, "--name", "node-3"], os.path.join(tmp, "node-3.log"))
    wait_for("node-3", lambda: node_names(url) == ["node-2", "node-3"])
    stopped = [p for p in procs if p.args[-1] == "node-2"][0]
    epoch_2 = node(url, "node-2")["epoch"]
    job = job_busy_on(url, "node-2", JOB)
    stopped.send_signal(signal.SIGSTOP)
    report = finished_report(url, job)
    stopped.send_signal(signal.SIGCONT)
    if report != reference:
        fail("after SIGSTOP of a node the report differs:\n%s\n%s" % (report, reference))
    wait_for("node-2 to rejoin under a new epoch",
             lambda: node(url, "node-2")["up"] and node(url, "node-2")["epoch"] > epoch_2)

    # kill -9 of the coordinator mid-job; the same store and port again.
    job = job_busy_on(url, "node-3", JOB)
    coordinator.kill()
    coordinator.wait()
    coordinator, info = serve(tmp, "coordinator", coordinator_args)
    url = info["url"]
    wait_for("the nodes to join again", lambda: node_names(url) == ["node-2", "node-3"])
    report = finished_report(url, job)
    if report != reference:
        fail("after the coordinator's restart the report differs:\n%s\n%s" % (report, reference))

    # The coordinator drained with SIGTERM (it stops its nodes' workers on the way out) and started
    # again: the nodes join it again and run the next job.
    coordinator.send_signal(signal.SIGTERM)
    coordinator.wait(timeout=60)
    coordinator, info = serve(tmp, "coordinator", coordinator_args)
    url = info["url"]
    wait_for("the nodes to join the drained coordinator again",
             lambda: node_names(url) == ["node-2", "node-3"])
    report = finished_report(url, run_job(url))
    if report != reference:
        fail("after a drained coordinator's restart the report differs:\n%s\n%s"
             % (report, reference))
    print("ok: certificates, refusals, a job on two nodes, after kill -9 and SIGSTOP of a node and "
          "after kill -9 and a drain of the coordinator: %s" % json.dumps(report["rows"]))


TMP = tempfile.mkdtemp(prefix="recur-cluster-test-")
try:
    main()
finally:
    run.stop_all()
    shutil.rmtree(TMP, ignore_errors=True)
