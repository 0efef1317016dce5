#!/bin/bash
# tests/bench/metrics.sh
#
# Reading the figures: LEADS leads (default 5,000,000) with three touches
# each (metrics_setup.sql, in database leadflow_metrics), rollups built.
# Times a 90-day campaign-quality query and a 90-day rep-responsiveness
# query (day grain, the last 90 days of the data; and the same 90 days by
# ISO week for the reps) through leadflow's views, and the same figures
# computed straight from the base tables, in alternating rounds; checks
# once that both give the same counts and percentiles.  Target: each view
# query under 50 ms.
#
# Quick run: LEADS=500000 METRICS_ROUNDS=3 tests/bench/run.sh metrics
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

LEADS=${LEADS:-5000000}
METRICS_ROUNDS=${METRICS_ROUNDS:-7}
export PGDATABASE=leadflow_metrics
# METRICS_WORK_MEM (e.g. 32MB) sets work_mem for every query, both sides.
if [ -n "${METRICS_WORK_MEM:-}" ]; then
	export PGOPTIONS="${PGOPTIONS:-} -c work_mem=$METRICS_WORK_MEM"
fi

psql -qX -d postgres -tAc \
	"SELECT 1 FROM pg_database WHERE datname = 'leadflow_metrics'" |
	grep -q 1 || createdb leadflow_metrics
start=$(date +%s)
psql -qX -v ON_ERROR_STOP=1 -v leads="$LEADS" -f "$here/metrics_setup.sql"
echo "  setup: $(($(date +%s) - start)) s"

# The last 90 days of the data.
from="2025-10-03"
to="2026-01-01"

view_campaign="SELECT * FROM leadflow.campaign_quality
WHERE grain = 'day' AND period_start >= '$from' AND period_start < '$to'"

view_rep="SELECT * FROM leadflow.rep_responsiveness
WHERE grain = 'day' AND period_start >= '$from' AND period_start < '$to'"

view_rep_week="SELECT * FROM leadflow.rep_responsiveness
WHERE grain = 'week' AND period_start >= '$from' AND period_start < '$to'"

direct_campaign="WITH l AS (
	SELECT (x.received_at AT TIME ZONE 'UTC')::date AS day, x.campaign_id,
		x.channel, count(*) AS leads,
		count(*) FILTER (WHERE x.duplicate_of IS NULL) AS uniq,
		count(*) FILTER (WHERE x.duplicate_of IS NULL AND coalesce(
			x.reached_at, x.potential_at, x.hot_at, x.won_at) IS NOT NULL)
			AS reached,
		count(*) FILTER (WHERE x.duplicate_of IS NULL
			AND x.close_reason = 'wrong_target') AS wrong_target,
		count(*) FILTER (WHERE x.duplicate_of IS NULL
			AND x.close_reason = 'invalid_contact') AS invalid_contact,
		count(*) FILTER (WHERE x.duplicate_of IS NULL AND coalesce(
			x.potential_at, x.hot_at, x.won_at) IS NOT NULL) AS potential,
		count(*) FILTER (WHERE x.duplicate_of IS NULL AND coalesce(
			x.hot_at, x.won_at) IS NOT NULL) AS hot,
		count(*) FILTER (WHERE x.duplicate_of IS NULL
			AND x.stage = 'won') AS won,
		sum(x.score) AS score_sum, count(x.score) AS scored
	FROM leadflow.lead x
	WHERE x.received_at >= '$from 00:00+00' AND x.received_at < '$to 00:00+00'
	GROUP BY 1, 2, 3),
s AS (
	SELECT s.spent_on AS day, s.campaign_id, c.channel, s.amount
	FROM leadflow.campaign_spend s JOIN leadflow.campaign c USING (campaign_id)
	WHERE s.spent_on >= '$from' AND s.spent_on < '$to')
SELECT coalesce(l.day, s.day) AS day, coalesce(l.campaign_id, s.campaign_id),
	coalesce(l.channel, s.channel), l.leads, l.uniq, l.reached,
	l.reached::float8 / nullif(l.uniq, 0), l.wrong_target,
	l.wrong_target::float8 / nullif(l.uniq, 0), l.invalid_contact,
	l.invalid_contact::float8 / nullif(l.uniq, 0), l.potential,
	l.potential::float8 / nullif(l.uniq, 0), l.hot,
	l.hot::float8 / nullif(l.uniq, 0), l.won,
	l.won::float8 / nullif(l.uniq, 0), s.amount,
	round(s.amount / nullif(l.leads, 0), 2),
	round(s.amount / nullif(l.potential, 0), 2),
	round(s.amount / nullif(l.won, 0), 2),
	l.score_sum::float8 / nullif(l.scored, 0)
FROM l FULL JOIN s ON s.day = l.day AND s.campaign_id = l.campaign_id
	AND s.channel = l.channel"

# grain: day or week; the rep figures straight from leads and the ledger.
direct_rep() {
	local bucket="(x.received_at AT TIME ZONE 'UTC')::date"
	local fired="(e.fired_at AT TIME ZONE 'UTC')::date"
	if [ "$1" = week ]; then
		bucket="date_trunc('week', x.received_at AT TIME ZONE 'UTC')::date"
		fired="date_trunc('week', e.fired_at AT TIME ZONE 'UTC')::date"
	fi
	cat <<SQL
WITH l AS (
	SELECT $bucket AS day, x.rep_id, count(*) AS leads,
		count(x.first_response_at) AS responded,
		count(x.response_business_s) AS latency_count,
		percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP
			(ORDER BY x.response_business_s) AS business,
		avg(x.response_business_s) AS business_mean,
		percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP
			(ORDER BY x.response_wall_s) AS wall,
		avg(x.response_wall_s) AS wall_mean,
		avg(extract(epoch FROM least(x.assigned_at, x.first_response_at)
			- x.received_at)) FILTER (WHERE x.first_response_at IS NOT NULL)
			AS system_delay,
		avg(extract(epoch FROM x.first_response_at - greatest(x.assigned_at,
			x.received_at))) AS human_delay,
		count(*) FILTER (WHERE x.sla_met) AS sla_met,
		count(*) FILTER (WHERE NOT x.sla_met OR (x.first_response_at IS NULL
			AND x.sla_due_at < coalesce(CASE WHEN x.stage IN ('won', 'lost',
				'disqualified') THEN x.closed_at END, now()))) AS sla_missed,
		count(x.reached_at) AS reached,
		avg(x.attempts_before_reach) FILTER (WHERE x.reached_at IS NOT NULL)
			AS attempts,
		count(*) FILTER (WHERE x.stage = 'won') AS won
	FROM leadflow.lead x
	WHERE x.received_at >= '$from 00:00+00' AND x.received_at < '$to 00:00+00'
	GROUP BY 1, 2),
e AS (
	SELECT $fired AS day, e.rep_id, count(*) AS escalations,
		count(*) FILTER (WHERE e.action = 'warn') AS warn,
		count(*) FILTER (WHERE e.action = 'remind_rep') AS remind,
		count(*) FILTER (WHERE e.action = 'alert_manager') AS alert,
		count(*) FILTER (WHERE e.action = 'reassign') AS reassign
	FROM leadflow.escalation e
	WHERE e.fired_at >= '$from 00:00+00' AND e.fired_at < '$to 00:00+00'
	GROUP BY 1, 2)
SELECT day, rep_id, l.leads, l.responded,
	l.responded::float8 / nullif(l.leads, 0) AS responded_share,
	l.latency_count, l.business[1] AS business_median,
	l.business[2] AS business_p90, l.business_mean,
	l.wall[1] AS wall_median, l.wall[2] AS wall_p90, l.wall_mean,
	l.system_delay, l.human_delay, l.sla_met, l.sla_missed,
	l.sla_met::float8 / nullif(l.sla_met + l.sla_missed, 0) AS met_share,
	e.escalations, e.warn, e.remind, e.alert, e.reassign, l.reached,
	l.reached::float8 / nullif(l.leads, 0) AS reached_share, l.attempts,
	l.won, l.won::float8 / nullif(l.leads, 0) AS won_share
FROM l FULL JOIN e USING (day, rep_id)
SQL
}

# Same counts and percentiles from both sides, once (day grain, reps).
view_cols="period_start, rep_id, leads_assigned, responded,
	latency_business_median_s, latency_business_p90_s, latency_wall_median_s,
	latency_wall_p90_s, sla_met, reached, won, escalations"
base_cols="day, rep_id, coalesce(leads, 0), coalesce(responded, 0),
	business_median, business_p90, wall_median, wall_p90,
	coalesce(sla_met, 0), coalesce(reached, 0), coalesce(won, 0),
	coalesce(escalations, 0)"
check="SELECT count(*) FROM (
	(SELECT $view_cols FROM ($view_rep) v
	 EXCEPT ALL SELECT $base_cols FROM ($(direct_rep day)) b)
	UNION ALL
	(SELECT $base_cols FROM ($(direct_rep day)) b
	 EXCEPT ALL SELECT $view_cols FROM ($view_rep) v)) x"
printf '  rep figures differing between the view and the base tables: %s\n' \
	"$(psql -qXAt -v ON_ERROR_STOP=1 -c "$check")"

# timed NAME SQL: runs SQL once untimed, then appends METRICS_ROUNDS
# server-side timings (ms) to the array named NAME, alternating with the
# other queries by the caller's loop.
declare -A runs=()
labels=(campaign_view campaign_base rep_view rep_base rep_week_view
	rep_week_base)
declare -A sql=(
	[campaign_view]="$view_campaign"
	[campaign_base]="$direct_campaign"
	[rep_view]="$view_rep"
	[rep_base]="$(direct_rep day)"
	[rep_week_view]="$view_rep_week"
	[rep_week_base]="$(direct_rep week)"
)
for l in "${labels[@]}"; do
	psql -qX -v ON_ERROR_STOP=1 -c "${sql[$l]}" >/dev/null
done
for ((r = 0; r < METRICS_ROUNDS; r++)); do
	for l in "${labels[@]}"; do
		runs[$l]+="$(bench_time_sql "${sql[$l]}") "
	done
done

median() { printf '%s\n' $1 | bench_median; }
printf 'metric views over %s leads, %s touches, %s rollup rows, 90 days:\n' \
	"$(psql -qXAt -c 'SELECT count(*) FROM leadflow.lead')" \
	"$(psql -qXAt -c 'SELECT count(*) FROM leadflow.touch')" \
	"$(psql -qXAt -c 'SELECT count(*) FROM leadflow.rollup_daily')"
printf '  rep rollup rows (leadflow.rollup_rep_daily): %s\n' \
	"$(psql -qXAt -c 'SELECT count(*) FROM leadflow.rollup_rep_daily')"
for pair in campaign rep rep_week; do
	v=$(median "${runs[${pair}_view]}")
	b=$(median "${runs[${pair}_base]}")
	printf '  %-10s view %9.1f ms   base tables %9.1f ms   ratio %6.1f   rows %s\n' \
		"$pair" "$v" "$b" "$(awk -v a="$b" -v b="$v" 'BEGIN { print a / b }')" \
		"$(psql -qXAt -c "SELECT count(*) FROM (${sql[${pair}_view]}) q")"
	printf '  %-10s view rounds: %s\n' "" "${runs[${pair}_view]}"
done

# METRICS_EXPLAIN=1 also prints the plans of the two view queries.
if [ "${METRICS_EXPLAIN:-0}" = 1 ]; then
	psql -qX -c "EXPLAIN (ANALYZE, BUFFERS) $view_campaign"
	psql -qX -c "EXPLAIN (ANALYZE, BUFFERS) $view_rep"
fi
