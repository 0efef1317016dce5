#!/bin/bash
# tests/demo/keep.sh: how `make demo KEEP=1` keeps its server up.  Waits
# until Ctrl-C (SIGINT) or SIGTERM, then exits 0: stopping a kept demo is
# its normal end, not a failure, so pg_virtualenv drops the cluster without
# reporting an error and printing the server's logs.
set -euo pipefail

# A trap runs at once while the shell waits for a background job, but only
# after a foreground command ends; and a background job of a script does
# not hear Ctrl-C, so the trap ends it.
sleep infinity &
keeper=$!
trap 'kill "$keeper" 2>/dev/null || true
	printf "\nstopping the demo server\n"
	exit 0' INT TERM
echo "  (press Ctrl-C here to stop it and drop the cluster)"
wait "$keeper"
