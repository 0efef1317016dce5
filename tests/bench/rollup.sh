#!/bin/bash
# tests/bench/rollup.sh
#
# Keeping metrics fresh on a large base: LEADS leads (default 5,000,000,
# see worker_setup.sql) with their rollups built.  Each round writes 1,000
# new touches on random leads (through leadflow's triggers, as an
# application would), then brings the figures up to date twice: with
# leadflow's incremental refresh (leadflow.refresh_metrics()) and with
# REFRESH MATERIALIZED VIEW CONCURRENTLY of a materialised view that
# computes the same table from scratch.  Both results are compared row
# for row after every round.  Target: the incremental refresh at least
# 100 times faster.
#
# Quick run: LEADS=200000 ROLLUP_ROUNDS=2 tests/bench/run.sh rollup
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

LEADS=${LEADS:-5000000}
TOUCHES=${TOUCHES:-1000}
ROLLUP_ROUNDS=${ROLLUP_ROUNDS:-3}

psql -qX -v ON_ERROR_STOP=1 -v leads="$LEADS" -f "$here/worker_setup.sql"

# Start from rollups equal to the leads: another benchmark run before this
# one on the same server (escalation.sh) writes and deletes leads with the
# triggers off or leaves their changes in the log.  Not timed.
psql -qX -v ON_ERROR_STOP=1 -c 'SELECT leadflow.refresh_metrics(true)' \
	>/dev/null

# The same figures as a materialised view, written out in full.
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
DROP MATERIALIZED VIEW IF EXISTS bench_rollup;
CREATE MATERIALIZED VIEW bench_rollup AS
SELECT (x.received_at AT TIME ZONE 'UTC')::date AS day, x.campaign_id,
	x.rep_id, x.channel,
	count(*) AS leads,
	count(*) FILTER (WHERE x.duplicate_of IS NULL) AS unique_leads,
	count(x.first_response_at) AS responded,
	count(*) FILTER (WHERE x.duplicate_of IS NULL AND coalesce(
		x.reached_at, x.potential_at, x.hot_at, x.won_at) IS NOT NULL)
		AS reached,
	count(*) FILTER (WHERE x.duplicate_of IS NULL
		AND coalesce(x.potential_at, x.hot_at, x.won_at) IS NOT NULL)
		AS potential,
	count(*) FILTER (WHERE x.duplicate_of IS NULL
		AND coalesce(x.hot_at, x.won_at) IS NOT NULL) AS hot,
	count(*) FILTER (WHERE x.duplicate_of IS NULL AND x.stage = 'won') AS won,
	count(*) FILTER (WHERE x.duplicate_of IS NULL AND x.stage = 'lost')
		AS lost,
	count(*) FILTER (WHERE x.duplicate_of IS NULL
		AND x.stage = 'disqualified') AS disqualified,
	count(*) FILTER (WHERE x.close_reason = 'wrong_target') AS c1,
	count(*) FILTER (WHERE x.close_reason = 'invalid_contact') AS c2,
	count(*) FILTER (WHERE x.close_reason = 'duplicate') AS c3,
	count(*) FILTER (WHERE x.close_reason = 'no_need') AS c4,
	count(*) FILTER (WHERE x.close_reason = 'spam') AS c5,
	count(*) FILTER (WHERE x.close_reason = 'lost_to_competitor') AS c6,
	count(*) FILTER (WHERE x.close_reason = 'price') AS c7,
	count(*) FILTER (WHERE x.close_reason = 'timing') AS c8,
	count(*) FILTER (WHERE x.close_reason = 'unresponsive') AS c9,
	count(*) FILTER (WHERE x.close_reason = 'unknown') AS c10,
	count(x.sla_due_at) AS governed,
	count(*) FILTER (WHERE x.sla_met) AS met,
	count(*) FILTER (WHERE NOT x.sla_met OR (x.first_response_at IS NULL
		AND x.sla_due_at < s.ended)) AS missed,
	count(x.response_business_s) AS latency_count,
	coalesce(sum(x.response_business_s::numeric), 0) AS business_sum,
	coalesce(sum(x.response_wall_s::numeric), 0) AS wall_sum,
	array_agg(x.response_business_s ORDER BY x.response_business_s)
		FILTER (WHERE x.response_business_s IS NOT NULL) AS latencies,
	coalesce(sum(x.attempts_before_reach)
		FILTER (WHERE x.reached_at IS NOT NULL), 0) AS attempts,
	sum(x.outbound_touches) AS outbound,
	coalesce(sum(x.score), 0) AS score_sum,
	count(x.score) AS scored,
	count(*) FILTER (WHERE x.duplicate_of IS NULL AND coalesce(x.attempting_at,
		x.reached_at, x.potential_at, x.hot_at, x.won_at) IS NOT NULL)
		AS attempting,
	count(x.reached_at) AS reached_any,
	count(*) FILTER (WHERE x.stage = 'won') AS won_any,
	count(*) FILTER (WHERE x.duplicate_of IS NULL
		AND x.close_reason = 'wrong_target') AS unique_wrong_target,
	count(*) FILTER (WHERE x.duplicate_of IS NULL
		AND x.close_reason = 'invalid_contact') AS unique_invalid_contact,
	count(*) FILTER (WHERE x.first_response_at IS NOT NULL
		AND x.assigned_at IS NOT NULL) AS delay_count,
	coalesce(sum(greatest(0, extract(epoch FROM least(x.assigned_at,
		x.first_response_at) - x.received_at)))
		FILTER (WHERE x.assigned_at IS NOT NULL), 0) AS system_delay,
	coalesce(sum(greatest(0, extract(epoch FROM x.first_response_at
		- greatest(x.assigned_at, x.received_at))))
		FILTER (WHERE x.assigned_at IS NOT NULL), 0) AS human_delay,
	array_agg(x.response_wall_s ORDER BY x.response_wall_s)
		FILTER (WHERE x.response_wall_s IS NOT NULL) AS wall,
	array_agg(s.a ORDER BY s.a) FILTER (WHERE s.a IS NOT NULL) AS s1,
	array_agg(s.b ORDER BY s.b) FILTER (WHERE s.b IS NOT NULL) AS s2,
	array_agg(s.c ORDER BY s.c) FILTER (WHERE s.c IS NOT NULL) AS s3,
	array_agg(s.d ORDER BY s.d) FILTER (WHERE s.d IS NOT NULL) AS s4,
	array_agg(s.e ORDER BY s.e) FILTER (WHERE s.e IS NOT NULL) AS s5,
	array_agg(s.due ORDER BY s.due) FILTER (WHERE s.due IS NOT NULL
		AND x.first_response_at IS NULL AND s.ended IS NULL) AS open_due
FROM leadflow.lead x
CROSS JOIN LATERAL (SELECT
	CASE WHEN x.duplicate_of IS NULL THEN
		extract(epoch FROM x.attempting_at - x.received_at)::float8 END,
	CASE WHEN x.duplicate_of IS NULL THEN
		extract(epoch FROM x.reached_at - x.attempting_at)::float8 END,
	CASE WHEN x.duplicate_of IS NULL THEN
		extract(epoch FROM x.potential_at - x.reached_at)::float8 END,
	CASE WHEN x.duplicate_of IS NULL THEN
		extract(epoch FROM x.hot_at - x.potential_at)::float8 END,
	CASE WHEN x.duplicate_of IS NULL THEN
		extract(epoch FROM x.won_at - x.hot_at)::float8 END,
	extract(epoch FROM x.sla_due_at)::float8,
	CASE WHEN x.stage IN ('won', 'lost', 'disqualified') THEN x.closed_at
		END)
	s(a, b, c, d, e, due, ended)
GROUP BY 1, 2, 3, 4;
CREATE UNIQUE INDEX bench_rollup_key ON bench_rollup
	(day, campaign_id, rep_id, channel) NULLS NOT DISTINCT;
ANALYZE bench_rollup;
SQL

differences_sql="SELECT count(*) FROM (
	(SELECT * FROM leadflow.rollup_daily EXCEPT ALL SELECT * FROM bench_rollup)
	UNION ALL
	(SELECT * FROM bench_rollup EXCEPT ALL SELECT * FROM leadflow.rollup_daily)
) d"

touch_sql="INSERT INTO leadflow.touch (lead_id, rep_id, kind, direction,
	outcome, touched_at)
SELECT l.lead_id, l.rep_id, 'call', 'outbound', 'connected', now()
FROM (SELECT 1 + floor(random() * $LEADS)::bigint AS lead_id
	  FROM generate_series(1, $TOUCHES)) r
JOIN leadflow.lead l USING (lead_id)"

incremental=()
concurrent=()
for ((r = 1; r <= ROLLUP_ROUNDS; r++)); do
	psql -qX -v ON_ERROR_STOP=1 -c "$touch_sql" -c 'CHECKPOINT' >/dev/null
	incremental+=("$(bench_time_sql 'SELECT leadflow.refresh_metrics()')")
	concurrent+=("$(bench_time_sql \
		'REFRESH MATERIALIZED VIEW CONCURRENTLY bench_rollup')")
	diff=$(psql -qXAt -v ON_ERROR_STOP=1 -c "$differences_sql")
	printf '  round %d: incremental %10.1f ms   concurrently %10.1f ms   differing rows %s\n' \
		"$r" "${incremental[-1]}" "${concurrent[-1]}" "$diff"
	[ "$diff" = 0 ] || { echo "the two results differ" >&2; exit 1; }
done

mi=$(printf '%s\n' "${incremental[@]}" | bench_median)
mc=$(printf '%s\n' "${concurrent[@]}" | bench_median)
printf 'rollup refresh after %s touches, %s leads, %s rollup rows:\n' \
	"$TOUCHES" "$LEADS" \
	"$(psql -qXAt -c 'SELECT count(*) FROM leadflow.rollup_daily')"
printf '  %-34s median %10.1f ms\n' "leadflow.refresh_metrics()" "$mi"
printf '  %-34s median %10.1f ms  ratio %.0f\n' \
	"REFRESH MATERIALIZED VIEW CONCURRENTLY" "$mc" \
	"$(awk -v a="$mc" -v b="$mi" 'BEGIN { print a / b }')"
