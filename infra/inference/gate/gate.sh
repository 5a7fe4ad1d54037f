#!/bin/sh
# Failover gate of the CPU Triton pods (deployment/triton-cpu), run by the
# kubelet as the gate container's exec readiness probe.
#
#   ready (exit 0)  <=>  this pod's Triton is ready  AND  no GPU Triton is ready
#
# The shared Service `triton` selects the GPU and the CPU pods, so a CPU pod
# receives inference only while this probe passes. "No GPU Triton is ready" is
# read from the GPU-only Service `triton-gpu`: it has an endpoint (and answers
# /v2/health/ready) only while at least one GPU pod is ready. No Kubernetes API
# access is needed. Flap damping is the probe's thresholds
# (failureThreshold/successThreshold), not this script.
#
# Runs in the BusyBox image with its applets only (sh, wget, timeout, sleep).
# The request timeout is `timeout`, not `wget -T`: wget's -T is a build option
# (FEATURE_WGET_TIMEOUT) that some BusyBox builds lack.
#
#   gate.sh          one check, exit status as above (the readiness probe)
#   gate.sh idle     the container's main process: wait until terminated
#
# Environment:
#   GATE_LOCAL_URL        this pod's Triton readiness  (default http://127.0.0.1:8000/v2/health/ready)
#   GATE_GPU_URL          the GPU Service's readiness  (required)
#   GATE_TIMEOUT_SECONDS  per-request timeout          (default 2)
set -u

if [ "${1:-}" = "idle" ]; then
    trap 'exit 0' TERM INT
    while :; do
        sleep 3600 &
        wait $!
    done
fi

local_url=${GATE_LOCAL_URL:-http://127.0.0.1:8000/v2/health/ready}
gpu_url=${GATE_GPU_URL:?GATE_GPU_URL is required}
timeout=${GATE_TIMEOUT_SECONDS:-2}

# Success only on a 2xx answer: non-zero on refusal, on 4xx/5xx, and when no
# answer came within the timeout.
ready() {
    timeout "$timeout" wget -q -O /dev/null "$1" 2>/dev/null
}

if ! ready "$local_url"; then
    echo "gate: not ready: this pod's Triton is not ready ($local_url)"
    exit 1
fi
if ready "$gpu_url"; then
    echo "gate: standby: a GPU Triton is ready ($gpu_url)"
    exit 1
fi
echo "gate: serving: no GPU Triton is ready"
exit 0
