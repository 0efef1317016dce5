#!/bin/bash
# tests/bench/run.sh [NAME ...]
#
# Runs the named benchmarks (default: all tests/bench/*.sh but this driver
# and lib.sh) against one throwaway server with leadflow preloaded.
# Results go to standard output; tests/bench/RESULTS.md records them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$here"/*.sh; do
		case $(basename "$f") in run.sh | lib.sh) continue ;; esac
		names+=("$(basename "$f" .sh)")
	done
fi

script="set -e"
for n in "${names[@]}"; do
	[ -x "$here/$n.sh" ] || { echo "no benchmark \"$n\"" >&2; exit 1; }
	script+="; echo '== $n'; '$here/$n.sh'"
done

LEADFLOW_SERVER_OPTS="${LEADFLOW_SERVER_OPTS:-} shared_buffers=1GB \
synchronous_commit=off max_wal_size=8GB checkpoint_timeout=30min" \
	"$here/../tools/with_server.sh" bash -c "$script"
