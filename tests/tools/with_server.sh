#!/bin/bash
# tests/tools/with_server.sh COMMAND [ARG...]
#
# Runs COMMAND against a throwaway PostgreSQL 15 cluster with leadflow
# preloaded.  Debian's pg_virtualenv creates the cluster in a temporary
# folder on a free port, exports PGHOST, PGPORT, PGUSER and PGPASSWORD to
# COMMAND, runs the server as a non-root user when we are root, and drops
# the cluster when COMMAND ends, fails or is interrupted.  Extra server
# settings may be passed as LEADFLOW_SERVER_OPTS="guc=value guc=value".
# The background worker runs no job unless LEADFLOW_SERVER_OPTS turns
# leadflow.jobs_enabled on: tests and benchmarks must not race with it.
set -euo pipefail

opts=(-o "shared_preload_libraries=leadflow"
      -o "max_worker_processes=16"
      -o "log_min_messages=warning"
      -o "leadflow.jobs_enabled=off")
for o in ${LEADFLOW_SERVER_OPTS:-}; do
	opts+=(-o "$o")
done

exec pg_virtualenv -t -v 15 "${opts[@]}" "$@"
