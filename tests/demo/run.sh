#!/bin/bash
# tests/demo/run.sh: what `make demo` shows, on a throwaway server with
# leadflow preloaded and its background worker running:
#
#   1. the two public data sets of ${LEADFLOW_DATA:-<repo>/../shared/data}
#      loaded through leadflow's ordinary write path (tests/demo/load.sql),
#      each into a database of its own (olist, xeducation), with every row
#      read accounted for;
#   2. a live replay (tests/demo/replay.sql, database replay) in which the
#      worker escalates the leads simulated reps leave unanswered, printed
#      as the notifications arrive;
#   3. the report both sides agree on (tests/demo/report.sql).
#
# With KEEP=1 the server is left running for psql until Ctrl-C.  The
# cluster is dropped when the demo ends, fails or is interrupted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'make demo: %s\n' "$*" >&2; exit 1; }

# An interval in tenths of a second since $1 (an $EPOCHREALTIME).
since() {
	local now=${EPOCHREALTIME//[.,]/} start=${1//[.,]/}
	local d=$(( (now - start) / 100000 ))
	printf '%d.%d' $((d / 10)) $((d % 10))
}

# Prints each escalation notification psql reports, with the time since
# the replay began and the names of the reps.
format_escalations() {
	local t0=$1 line payload
	declare -A name=()
	local re='"lead_id" : ([0-9]+), "step" : ([0-9]+), "action" : "([a-z_]+)", '
	re+='"rep_id" : ([0-9a-z]+), "manager_id" : ([0-9a-z]+), '
	re+='"new_rep_id" : ([0-9a-z]+)'
	while IFS= read -r line; do
		[[ $line == *'Asynchronous notification "leadflow_escalation"'* ]] || continue
		payload=${line#*payload \"}
		[[ $payload =~ $re ]] || { echo "  (unreadable notification) $line"; continue; }
		if [ ${#name[@]} -eq 0 ]; then
			while IFS='|' read -r id n; do name[$id]=$n; done < <(
				psql -XAt -d replay -c 'SELECT rep_id, name FROM leadflow.rep')
		fi
		local lead=${BASH_REMATCH[1]} stepno=${BASH_REMATCH[2]}
		local action=${BASH_REMATCH[3]} rep=${BASH_REMATCH[4]}
		local manager=${BASH_REMATCH[5]} newrep=${BASH_REMATCH[6]}
		local what
		case $action in
		warn) what="warning before breach to ${name[$rep]:-rep $rep}" ;;
		remind_rep) what="SLA missed: reminding ${name[$rep]:-rep $rep}" ;;
		alert_manager) what="alerting ${name[$manager]:-manager $manager}" ;;
		reassign)
			what="reassigned from ${name[$rep]:-rep $rep}"
			what+=" to ${name[$newrep]:-nobody}" ;;
		*) what=$action ;;
		esac
		printf '  [+%4s s]     WORKER ESCALATION lead %s step %s: %s\n' \
			"$(since "$t0")" "$lead" "$stepno" "$what"
	done
}

# The escalation listener's psql, stopped however the demo ends.
listener=
trap '[ -z "$listener" ] || kill "$listener" 2>/dev/null || true' EXIT

replay() {
	local t0=$EPOCHREALTIME dir fifo
	dir=$(mktemp -d)
	fifo=$dir/escalations
	mkfifo "$fifo"
	# A psql that LISTENs and runs an empty query every 0.2 s, so that it
	# prints each notification soon after it arrives.
	psql -XqAt -d replay < <(echo 'LISTEN leadflow_escalation;'
		while sleep 0.2; do echo 'SELECT 1 WHERE false;'; done) \
		> "$fifo" 2>/dev/null &
	listener=$!
	format_escalations "$t0" < "$fifo" &
	sleep 0.5
	rm -rf "$dir"
	psql -qX -d replay -v t0="${t0/,/.}" -f "$here/replay.sql" 2>&1 |
		sed -u 's/^.*NOTICE:  /  /'
	sleep 0.5
	kill "$listener" 2>/dev/null || true
	wait "$listener" 2>/dev/null || true
	listener=
	wait
}

# Rows read and stored per file; fails the demo when they differ.
accounting() {
	local db=$1 bad
	psql -qX -d "$db" -c "SELECT file, rows_read AS \"rows read\",
		rows_stored AS \"rows stored\",
		CASE WHEN rows_read = rows_stored THEN 'all stored'
			 ELSE 'MISSING ROWS' END AS check
		FROM leadflow_demo.accounting ORDER BY file DESC"
	bad=$(psql -XAt -d "$db" -c 'SELECT count(*) FROM leadflow_demo.accounting
		WHERE rows_read <> rows_stored')
	[ "$bad" = 0 ] || fail "$db: rows read and rows stored differ"
	echo "Damaged or odd values, stored and flagged in attributes->'input_issues':"
	psql -qX -d "$db" -c 'SELECT field, issue, values AS "values",
		example_raw AS "e.g. raw", read_as AS "read as"
		FROM leadflow_demo.input_issues ORDER BY field, issue'
}

load() {
	local db=$1 what=$2 started=$EPOCHREALTIME
	step "loading $what into database $db"
	psql -qX -d "$db" -v data_set="$db" -f "$here/load.sql"
	echo "loaded in $(since "$started") s"
	accounting "$db"
}

demo() {
	local started=$EPOCHREALTIME db
	step "creating databases olist, xeducation and replay with leadflow"
	for db in olist xeducation replay; do
		createdb "$db"
		psql -qX -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION leadflow'
	done
	psql -XAt -d olist -c "SELECT 'leadflow ' || leadflow.version()"

	load olist "the Olist marketing funnel (8,000 MQLs, 842 won deals)"
	load xeducation "the X Education leads (9,240 leads)"

	step "live: the worker escalates leads nobody answers (3 s SLA, 24/7 demo calendar)"
	replay

	step "the report both sides agree on: Olist"
	psql -qX -d olist -v section=olist -f "$here/report.sql"
	step "the report both sides agree on: X Education"
	psql -qX -d xeducation -v section=xeducation -f "$here/report.sql"
	step "the report both sides agree on: the live replay"
	psql -qX -d replay -v section=replay -f "$here/report.sql"

	step "done in $(since "$started") s on the server"
	if [ -n "${KEEP:-}" ]; then
		step "the server stays up; explore with:"
		for db in olist xeducation replay; do
			echo "  psql 'host=$PGHOST port=$PGPORT user=$PGUSER password=$PGPASSWORD dbname=$db'"
		done
		"$here/keep.sh"
	else
		echo "To keep the server running and explore with psql: make demo KEEP=1"
	fi
}

if [ -z "${LEADFLOW_DEMO_INSIDE:-}" ]; then
	data=${LEADFLOW_DATA:-$top/../shared/data}
	for f in olist/marketing_qualified_leads.csv olist/closed_deals.csv \
		xeducation/leads.csv; do
		[ -r "$data/$f" ] || fail "data file $data/$f is missing or unreadable; set LEADFLOW_DATA to the folder that holds olist/ and xeducation/"
	done
	LEADFLOW_DATA=$(cd "$data" && pwd)
	export LEADFLOW_DATA LEADFLOW_DEMO_INSIDE=1
	# The worker runs its jobs every second, as fast as the replay needs.
	LEADFLOW_SERVER_OPTS="leadflow.jobs_enabled=on leadflow.launcher_naptime=1
		leadflow.escalation_interval=1 leadflow.refresh_interval=2
		${LEADFLOW_SERVER_OPTS:-}"
	export LEADFLOW_SERVER_OPTS
	step "starting a throwaway PostgreSQL 15 with leadflow preloaded, worker on"
	exec "$here/../tools/with_server.sh" "$here/run.sh"
fi
demo
