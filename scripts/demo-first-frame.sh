#!/usr/bin/env bash
# Measures how long `tenancy demo` takes to show its first frame with the
# tenants on an existing sandbox (target: under 1 s). Needs tmux.
# Usage: scripts/demo-first-frame.sh [runs]   (builds ./tenancy first)
set -euo pipefail
runs=${1:-5}
cd "$(dirname "$0")/.."
go build -o tenancy .
./tenancy demo --no-ui >/dev/null # make sure the sandbox exists and runs
session=tenancy-first-frame-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
for i in $(seq "$runs"); do
	start=$(date +%s%N)
	tmux new-session -d -s "$session" -x 80 -y 24 './tenancy demo'
	until tmux capture-pane -p -t "$session" 2>/dev/null | grep -q 'Acme Corp'; do sleep 0.005; done
	end=$(date +%s%N)
	echo "run $i: first frame with tenants after $(((end - start) / 1000000)) ms"
	tmux kill-session -t "$session"
done
