#!/bin/bash
# A recur cluster as one Slurm job: the coordinator on the job's first node, a `recur node` on
# every node of the allocation (one per GPU), all over mutual TLS. Submit from the repository:
#   sbatch --nodes 4 --gpus-per-node 4 configs/cluster/slurm-cluster.sh
# The repository (models/, pipelines/, the build) must be on a filesystem every node sees: nodes
# load model bundles from the path the coordinator names. The job runs until cancelled; submit
# pipelines to the printed URL (`recur run PIPELINE --server URL`).
#SBATCH --job-name=recur-cluster
#SBATCH --ntasks-per-node=1
#SBATCH --time=24:00:00
set -euo pipefail

recur=${RECUR:-build/cli/recur}
state=${RECUR_CLUSTER_DIR:-var/slurm-$SLURM_JOB_ID}
port=${RECUR_CLUSTER_PORT:-7400}
mapfile -t hosts < <(scontrol show hostnames "$SLURM_JOB_NODELIST")
coordinator=${hosts[0]}
gpus=${SLURM_GPUS_PER_NODE:-0}
nodes=$(( ${#hosts[@]} * (gpus > 0 ? gpus : 1) ))

mkdir -p "$state"
"$recur" cluster init --out "$state/tls" --nodes "$nodes"

# The coordinator: the job store and the HTTP API on the first host, no model workers of its own;
# bearer tokens required (it listens off loopback). The admin token is in $state/admin.token.
[ -f "$state/tokens.json" ] ||
  "$recur" token add --name admin --role admin --auth "$state/tokens.json" > "$state/admin.token"
"$recur" serve --store "$state/store" --listen "0.0.0.0:8080" --auth "$state/tokens.json" \
  --models models --pipelines pipelines \
  --cluster-listen "0.0.0.0:$port" --tls "$state/tls" &
echo "recur: the coordinator is http://$coordinator:8080 (admin token in $state/admin.token)"

# One node per GPU (or per host without GPUs), each with its own certificate.
k=0
for host in "${hosts[@]}"; do
  for g in $(seq 0 $(( (gpus > 0 ? gpus : 1) - 1 ))); do
    k=$((k + 1))
    device=(--device cpu)
    [ "$gpus" -gt 0 ] && device=(--device "cuda:$g")
    srun --nodes 1 --ntasks 1 --nodelist "$host" --overlap \
      "$recur" node --join "$coordinator:$port" --tls "$state/tls" --name "node-$k" "${device[@]}" \
      --join-timeout 120 &
  done
done
wait
