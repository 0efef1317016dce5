#!/bin/bash
# tests/demo/run.sh: what `make demo` shows, on a throwaway server with
# leadflow preloaded.  With KEEP=1 the server is left running for psql.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

step() { printf '\n== %s\n' "$*"; }

demo() {
	step "creating the extension"
	psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION leadflow'
	step "leadflow version"
	psql -qXAt -c 'SELECT leadflow.version()'
	if [ -n "${KEEP:-}" ]; then
		step "the server stays up; explore with:"
		echo "  PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGPASSWORD=$PGPASSWORD psql"
		echo "  (press Ctrl-C here to stop it and drop the cluster)"
		sleep infinity
	fi
}

if [ -z "${LEADFLOW_DEMO_INSIDE:-}" ]; then
	step "starting a throwaway PostgreSQL 15 with leadflow preloaded"
	export LEADFLOW_DEMO_INSIDE=1
	exec "$here/../tools/with_server.sh" "$here/run.sh"
fi
demo
