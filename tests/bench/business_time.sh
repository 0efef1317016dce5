#!/bin/bash
# tests/bench/business_time.sh
#
# Per-call cost of leadflow.business_seconds and leadflow.business_add
# over spans of about three months, on a Berlin calendar with a lunch
# break and public holidays, against the PL/pgSQL baseline in
# business_time_plpgsql.sql, which walks the span day by day.
#
# Each measurement is one statement aggregating many calls over arrivals
# spread across 2024 and 2025 (so spans cross both DST changes and
# holidays).  The same statement with a trivial built-in function in
# place of the measured one is timed too and subtracted, leaving the cost
# of the call itself.  Rounds alternate the statements; medians are
# printed.  BENCH_CALLS (default 100000) calls per C statement,
# BENCH_PLPGSQL_CALLS (default 2000) per PL/pgSQL statement.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

calls=${BENCH_CALLS:-100000}
pl_calls=${BENCH_PLPGSQL_CALLS:-2000}
# About three months of business time: 64 days of 7 hours.
amount=1612800

psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION IF NOT EXISTS leadflow;
DELETE FROM leadflow.calendar WHERE calendar_id = 9001;
INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (9001, 'bench office', 'Europe/Berlin');
INSERT INTO leadflow.calendar_hours
SELECT 9001, d, o::time, c::time FROM generate_series(1, 5) d,
	(VALUES ('09:00', '12:00'), ('13:00', '17:00')) r(o, c);
INSERT INTO leadflow.calendar_holiday (calendar_id, holiday)
SELECT 9001, h::date FROM unnest(ARRAY[
	'2024-01-01', '2024-03-29', '2024-04-01', '2024-05-01', '2024-05-09',
	'2024-05-20', '2024-10-03', '2024-12-25', '2024-12-26',
	'2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-05-29',
	'2025-06-09', '2025-10-03', '2025-12-25', '2025-12-26']) h;
SQL
psql -qX -v ON_ERROR_STOP=1 -f "$here/business_time_plpgsql.sql"

# arrivals N: N instants, evenly spread over 2024.
arrivals() {
	local step=$((31536000 / $1))
	echo "(SELECT timestamptz '2024-01-01 00:00+01' + i * interval '$step seconds' AS t
	  FROM generate_series(1, $1) i) a"
}

span="t + interval '91 days'"
q_seconds="SELECT sum(leadflow.business_seconds(9001, t, $span)) FROM $(arrivals "$calls")"
q_seconds_base="SELECT sum(pg_catalog.timestamptz_cmp(t, $span)) FROM $(arrivals "$calls")"
q_add="SELECT max(leadflow.business_add(9001, t, $amount)) FROM $(arrivals "$calls")"
q_add_base="SELECT max(pg_catalog.timestamptz_larger(t, t)) FROM $(arrivals "$calls")"
q_pl_seconds="SELECT sum(bench_plpgsql_business_seconds(9001, t, $span)) FROM $(arrivals "$pl_calls")"
q_pl_add="SELECT max(bench_plpgsql_business_add(9001, t, $amount)) FROM $(arrivals "$pl_calls")"

# Both implementations must give the same answers before timing means
# anything.
psql -qX -v ON_ERROR_STOP=1 -At -F ' ' -c "
SELECT count(*) FILTER (WHERE leadflow.business_seconds(9001, t, $span)
		IS DISTINCT FROM bench_plpgsql_business_seconds(9001, t, $span)),
	   count(*) FILTER (WHERE leadflow.business_add(9001, t, $amount)
		IS DISTINCT FROM bench_plpgsql_business_add(9001, t, $amount)),
	   count(*)
FROM $(arrivals "$pl_calls")" |
	awk '{ printf "agreement: business_seconds differs on %d, business_add on %d of %d calls\n", $1, $2, $3;
	       if ($1 + $2 > 0) exit 1 }'

# Warm the calendar cache and the plans.
bench_time_sql "$q_seconds" >/dev/null
bench_time_sql "$q_add" >/dev/null

declare -a t_s t_sb t_a t_ab t_ps t_pa
for ((i = 0; i < BENCH_ROUNDS; i++)); do
	t_s+=("$(bench_time_sql "$q_seconds")")
	t_sb+=("$(bench_time_sql "$q_seconds_base")")
	t_a+=("$(bench_time_sql "$q_add")")
	t_ab+=("$(bench_time_sql "$q_add_base")")
	t_ps+=("$(bench_time_sql "$q_pl_seconds")")
	t_pa+=("$(bench_time_sql "$q_pl_add")")
done

med() { printf '%s\n' "$@" | bench_median; }

# report NAME C_MS BASE_MS PL_MS: microseconds per call and the ratio.
report() {
	awk -v name="$1" -v c="$2" -v b="$3" -v p="$4" \
		-v n="$calls" -v pn="$pl_calls" 'BEGIN {
		base = b * 1000 / n;
		cu = c * 1000 / n - base;
		pu = p * 1000 / pn - base;
		printf "%-40s C %6.2f us/call  PL/pgSQL %8.1f us/call  ratio %.0fx  (%s)\n",
			name, cu, pu, pu / cu, cu < 5 ? "under 5 us" : "OVER 5 us";
		printf "%-40s   statement medians: C %.1f ms, trivial %.1f ms, PL/pgSQL %.1f ms\n",
			"", c, b, p;
	}'
}

report "business_seconds, 91-day span" \
	"$(med "${t_s[@]}")" "$(med "${t_sb[@]}")" "$(med "${t_ps[@]}")"
report "business_add, 448 business hours" \
	"$(med "${t_a[@]}")" "$(med "${t_ab[@]}")" "$(med "${t_pa[@]}")"
echo "($calls C calls and $pl_calls PL/pgSQL calls per statement, $BENCH_ROUNDS rounds)"

psql -qX -c "DELETE FROM leadflow.calendar WHERE calendar_id = 9001;
	DROP FUNCTION bench_plpgsql_business_seconds(integer, timestamptz, timestamptz);
	DROP FUNCTION bench_plpgsql_business_add(integer, timestamptz, double precision);" \
	>/dev/null
