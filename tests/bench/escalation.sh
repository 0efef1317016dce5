#!/bin/bash
# tests/bench/escalation.sh
#
# One escalation tick on a large base: LEADS leads (default 5,000,000,
# see worker_setup.sql), of which DUE (default 100) are due now, 50,000
# more are queued for later, and a tenth of the base are stale unanswered
# leads whose ladder ran out.  A tick is leadflow.run_escalations(), the
# work a job worker does per run, timed on the server side inside a
# transaction that is rolled back, so that every round finds the same
# DUE leads due (target: under 5 ms).  Beside it, the same tick with
# index scans turned off, so that every lookup is a sequential scan.
#
# Quick run: LEADS=200000 tests/bench/run.sh escalation
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

LEADS=${LEADS:-5000000}
DUE=${DUE:-100}
TICKS=${TICKS:-$((BENCH_ROUNDS * 4))}
SEQ_TICKS=${SEQ_TICKS:-$BENCH_ROUNDS}

psql -qX -v ON_ERROR_STOP=1 -v leads="$LEADS" -f "$here/worker_setup.sql"

# Fresh due and queued-for-later leads for this run.
psql -qX -v ON_ERROR_STOP=1 <<SQL
DELETE FROM leadflow.lead WHERE lead_id > $LEADS;
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO leadflow.lead (lead_id, received_at, channel, campaign_id,
	rep_id, policy_id, sla_started_at, sla_due_at, stage)
SELECT $LEADS + i, now() - interval '20 minutes', 'website', 1,
	11 + i % 90, 1, now() - interval '20 minutes', now() - interval '5 minutes',
	'new'
FROM generate_series(1, $DUE) i;
INSERT INTO leadflow.lead (lead_id, received_at, channel, campaign_id,
	rep_id, policy_id, sla_started_at, sla_due_at, stage)
SELECT $LEADS + $DUE + i, now(), 'website', 1, 11 + i % 90, 1, now(),
	now() + interval '15 minutes', 'new'
FROM generate_series(1, 50000) i;
INSERT INTO leadflow.escalation_queue (lead_id, next_at)
SELECT lead_id, sla_due_at FROM leadflow.lead WHERE lead_id > $LEADS;
COMMIT;
ANALYZE leadflow.lead;
ANALYZE leadflow.escalation_queue;
SQL

# tick SETUP_SQL N: N ticks in one session, each rolled back; prints the
# milliseconds of each, after one untimed tick that warms the caches.
tick() {
	local i script="$1"$'\n'
	script+=$'BEGIN;\nSELECT leadflow.run_escalations();\nROLLBACK;\n'
	for ((i = 0; i < $2; i++)); do
		script+=$'BEGIN;\n\\timing on\nSELECT leadflow.run_escalations();\n'
		script+=$'\\timing off\nROLLBACK;\n'
	done
	psql -qX -v ON_ERROR_STOP=1 <<<"$script" | awk '/^Time: / { print $2 }'
}

fired=$(psql -qXAt -v ON_ERROR_STOP=1 -c \
	'BEGIN; SELECT leadflow.run_escalations(); ROLLBACK;' | head -n 1)
index_ms=$(tick "" "$TICKS" | bench_median)
seq_ms=$(tick "SET enable_indexscan = off; SET enable_bitmapscan = off;
SET enable_indexonlyscan = off;" "$SEQ_TICKS" | bench_median)

printf 'escalation tick, %s leads, %s due (fired %s steps):\n' \
	"$LEADS" "$DUE" "$fired"
printf '  %-28s median %10.3f ms  (%d ticks)\n' "indexed (the worker's plan)" \
	"$index_ms" "$TICKS"
printf '  %-28s median %10.3f ms  (%d ticks)  ratio %.0f\n' \
	"sequential scans" "$seq_ms" "$SEQ_TICKS" \
	"$(awk -v a="$seq_ms" -v b="$index_ms" 'BEGIN { print a / b }')"

psql -qX -v ON_ERROR_STOP=1 -c "DELETE FROM leadflow.lead WHERE lead_id > $LEADS"
