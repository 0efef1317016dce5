#!/bin/bash
# tests/tools/run_worker_tests.sh [TEST.pl ...]
#
# Runs the TAP tests in tests/worker/t with prove.  Each test starts its own
# preloaded servers with PostgreSQL::Test::Cluster, and may restart, kill
# or promote them.  initdb refuses to run as root, so as root the tests run
# as the "postgres" user in a temporary copy of tests/worker.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
bindir=$(pg_config --bindir)
pgxs=$(dirname "$(pg_config --pgxs)")/../..
export PERL5LIB="$pgxs/src/test/perl${PERL5LIB:+:$PERL5LIB}"
export PATH="$bindir:$PATH"
export PG_REGRESS="$pgxs/src/test/regress/pg_regress"
export LEADFLOW_DATA="${LEADFLOW_DATA:-$top/../shared/data}"
# Tests run from a copy of tests/worker; this is where the rest lives.
export LEADFLOW_TOP="$top"

work=$(mktemp -d /tmp/leadflow-worker-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$top/tests/worker/." "$work/"
export TESTDIR="$work"
cd "$work"

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t/*.pl)

if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$work"
	runuser -u postgres -- env PATH="$PATH" PERL5LIB="$PERL5LIB" \
		TESTDIR="$TESTDIR" PG_REGRESS="$PG_REGRESS" \
		LEADFLOW_DATA="$LEADFLOW_DATA" LEADFLOW_TOP="$LEADFLOW_TOP" prove -v "${tests[@]}" || status=$?
else
	prove -v "${tests[@]}" || status=$?
fi

# Keep the servers' logs of a failed run where a person can read them.
if [ "${status:-0}" -ne 0 ]; then
	for f in "$work"/tmp_check/log/*; do
		[ -f "$f" ] || continue
		echo "--- $f (last 40 lines)"
		tail -n 40 "$f"
	done
	exit "$status"
fi
