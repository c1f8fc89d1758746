#!/bin/bash
# One GAN Studio run across the GPUs of several machines, as a SLURM batch job:
#
#   sbatch --nodes=2 --gpus-per-node=4 packaging/slurm_train.sh /shared/runs/faces \
#          --data /shared/data/faces --size 64 --channels 3 --epochs 50
#
# The run folder (first argument) and the data must be on storage every node sees (NFS, Lustre,
# ...): rank 0 alone writes the run folder, and every rank reads the data and, when resuming,
# the checkpoint. If the folder already holds a run, the job resumes it (the remaining
# arguments then go to `gan-studio resume`, e.g. --epochs 10), at whatever world size this job
# has. SLURM starts one torchrun per node (srun --ntasks-per-node=1); each torchrun starts one
# process per GPU of its node, and they meet at the first node (the c10d rendezvous).
#
# Change the #SBATCH lines to your cluster; GAN_STUDIO (default: gan-studio on PATH) is the
# command of the environment that has GAN Studio and a CUDA build of torch.
#SBATCH --job-name=gan-studio
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --time=04:00:00
#SBATCH --output=gan-studio-%j.out
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: sbatch $0 RUN_FOLDER [gan-studio train/resume options]" >&2
    exit 2
fi
run="$1"
shift
gan_studio="${GAN_STUDIO:-gan-studio}"
python="$(dirname "$(command -v "$gan_studio")")/python"
[ -x "$python" ] || python=python3

gpus_per_node="${SLURM_GPUS_ON_NODE:-${SLURM_GPUS_PER_NODE:-1}}"
gpus_per_node="${gpus_per_node##*:}"  # "a100:4" -> "4"
head_node="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"
port="${GAN_STUDIO_PORT:-29500}"

if [ -f "$run/run.json" ]; then
    command=(resume "$run" "$@")
else
    command=(train --out "$run" "$@")
fi

# A rank that dies ends the job: torchrun (one per node, --max-restarts 0) stops its other
# ranks, the others lose their peer in the next collective and exit; the last checkpoint in
# the run folder stays whole (written to a temporary file, then renamed). scancel sends
# SIGTERM: every rank stops at the same step and rank 0 saves a checkpoint.
srun --kill-on-bad-exit=1 "$python" -m torch.distributed.run \
    --nnodes="$SLURM_JOB_NUM_NODES" \
    --nproc_per_node="$gpus_per_node" \
    --rdzv-backend=c10d \
    --rdzv-endpoint="$head_node:$port" \
    --rdzv-id="$SLURM_JOB_ID" \
    --max-restarts=0 \
    -m gan_studio "${command[@]}"
