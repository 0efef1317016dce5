#!/bin/bash
# tests/bench/lead_copy.sh
#
# Bulk load: COPY of LEADS leads (default 1,000,000) from one CSV file
# into each of the three tables lead_setup.sql makes (leadflow's triggers,
# no trigger, the PL/pgSQL baseline), each time into an empty table after
# a checkpoint, timed on the server side.  COPY_ROUNDS rounds (default
# BENCH_ROUNDS) alternate the variants.  Prints each variant's median in
# seconds and the ratios (targets: leadflow at most 3 times the
# no-trigger time, and at least 4 times faster than PL/pgSQL).
#
# The CSV is made once per run by the server from generate_series, with
# the value mix of lead_insert.sh (phones, e-mails, channels, campaigns,
# attributes) and arrivals in order over the same four weeks; 15% of
# rows come from a pool of LEADS/50 repeat contacts.  Every value is a
# hash of the row number, so the file is the same in every run.
#
# Quick run: LEADS=100000 COPY_ROUNDS=1 tests/bench/run.sh lead_copy
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

LEADS=${LEADS:-1000000}
COPY_ROUNDS=${COPY_ROUNDS:-$BENCH_ROUNDS}
pool=$((LEADS / 50 > 0 ? LEADS / 50 : 1))

psql -qX -v ON_ERROR_STOP=1 -f "$here/lead_setup.sql" >/dev/null

# The server reads the file itself, as its own user.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
csv=$tmp/leads.csv

psql -qX -v ON_ERROR_STOP=1 >"$csv" <<SQL
COPY (
SELECT 'imp-' || i,
	to_timestamp(1787504400 + (i - 1) * 2419200 / $LEADS),
	CASE WHEN ch < 35 THEN 'paid_search' WHEN ch < 65 THEN 'social'
		 WHEN ch < 75 THEN 'referral' WHEN ch < 85 THEN 'event'
		 WHEN ch < 95 THEN 'website' ELSE 'import' END,
	CASE WHEN u < 3 THEN 'Summer Promo 2024'
		 WHEN ch < 35 THEN 'Google Ads VN Q3'
		 WHEN ch < 65 THEN 'Facebook Lead Ads'
		 WHEN ch >= 75 AND ch < 85 THEN 'Vietnam Expo 2026' END,
	'Khach hang ' || cid,
	CASE WHEN pk >= 94 THEN NULL
		 WHEN pk >= 88 THEN
			CASE WHEN fmt < 2 THEN 'goi lai sau ' || nsn ELSE '0' || nsn END
		 ELSE CASE fmt
			WHEN 0 THEN '0' || nsn
			WHEN 1 THEN '+84' || nsn
			WHEN 2 THEN '84' || nsn
			WHEN 3 THEN '(+84) ' || substr(nsn::text, 1, 2) || ' ' ||
				substr(nsn::text, 3, 4) || ' ' || substr(nsn::text, 7)
			ELSE '0' || substr(nsn::text, 1, 2) || '.' ||
				substr(nsn::text, 3, 3) || '.' || substr(nsn::text, 6) END
	END,
	CASE WHEN e >= 90 THEN NULL
		 WHEN e >= 84 THEN
			CASE efmt WHEN 0 THEN 'khach' || cid || '@gmail'
					  WHEN 1 THEN 'khach' || cid || '.gmail.com'
					  ELSE 'khach..' || cid || '@yahoo.com' END
		 WHEN e >= 40 THEN 'tran.thi' || cid || '@' ||
			(ARRAY['yahoo.com', 'outlook.com', 'fpt.com.vn',
				   'Congty.VN'])[e % 4 + 1]
		 ELSE CASE efmt WHEN 0 THEN 'nguyen.van' || cid || '@gmail.com'
						WHEN 1 THEN 'nguyenvan' || cid || '+fb@gmail.com'
						WHEN 2 THEN ' NguyenVan' || cid || '@GMail.com '
						ELSE 'nguyen.van.' || cid || '@googlemail.com' END
	END,
	jsonb_build_object('budget_vnd', budget * 1000000,
					   'company_size', size,
					   'product', (ARRAY['crm', 'erp', 'pos', 'hr'])[prod + 1])
FROM generate_series(1::bigint, $LEADS) i,
	LATERAL (SELECT hashint8extended(i, 1) & 9223372036854775807 AS h1,
					hashint8extended(i, 2) & 9223372036854775807 AS h2,
					hashint8extended(i, 3) & 9223372036854775807 AS h3) r,
	LATERAL (SELECT CASE WHEN h1 % 100 < 15 THEN 1 + (h1 / 100) % $pool
						 ELSE $pool + i END AS cid,
					h2 % 5 AS fmt, (h2 / 5) % 4 AS efmt,
					(h2 / 20) % 100 AS ch, (h2 / 2000) % 100 AS u,
					h3 % 501 AS budget, 1 + (h3 / 501) % 800 AS size,
					(h3 / 400800) % 4 AS prod) a,
	LATERAL (SELECT hashint8extended(cid, 0) & 9223372036854775807 AS k,
					(hashint8extended(cid, 7919) & 9223372036854775807)
						% 100 AS e) c,
	LATERAL (SELECT k % 100 AS pk, (k / 100) % 32 AS j,
					(k / 3200) % 10000000 AS sub) d,
	LATERAL (SELECT CASE
		WHEN pk < 70 THEN
			(ARRAY[32, 33, 34, 35, 36, 37, 38, 39, 56, 58, 59, 70, 76, 77,
				   78, 79, 81, 82, 83, 84, 85, 86, 87, 88, 90, 91, 93, 94,
				   96, 97, 98, 90])[j + 1] * 10000000 + sub
		WHEN pk < 80 THEN
			(CASE WHEN j < 10 THEN 120 + j ELSE 162 + j % 8 END) * 10000000
				+ sub
		WHEN pk < 88 THEN
			(28 - 4 * (j % 2)) * 100000000 + sub * 10 + j % 10
		ELSE sub % 100000 END AS nsn) f
ORDER BY i
) TO STDOUT WITH (FORMAT csv);
SQL
chmod 644 "$csv"
echo "COPY of $LEADS leads ($(du -h "$csv" | cut -f1) of CSV)," \
	"$COPY_ROUNDS rounds, into empty tables"

cols="external_ref, received_at, channel, campaign_name, contact_name,
	phone_raw, email_raw, attributes"
tables="leadflow.lead bench_plain.lead bench_plpgsql.lead"
events="leadflow.lead_event bench_plain.lead_event bench_plpgsql.lead_event"

# Autovacuum on the table just loaded would run during the next
# variant's COPY; it is off for the benchmark and back on afterwards.
autovacuum() {
	local t
	for t in $tables $events; do
		psql -qX -v ON_ERROR_STOP=1 -c "ALTER TABLE $t $1" >/dev/null
	done
}
autovacuum "SET (autovacuum_enabled = off)"

# The reset empties the table (and its event log), then checkpoints so
# that no COPY pays for the previous one's dirty pages.
args=()
for v in leadflow:leadflow.lead plain:bench_plain.lead \
	plpgsql:bench_plpgsql.lead; do
	args+=("${v%%:*}"
		"SET client_min_messages = warning;
		 TRUNCATE ${v#*:} RESTART IDENTITY CASCADE; CHECKPOINT"
		"COPY ${v#*:} ($cols) FROM '$csv' WITH (FORMAT csv)")
done
BENCH_ROUNDS=$COPY_ROUNDS bench_time_alternate "${args[@]}"

lf=${BENCH_MEDIAN[leadflow]}
pl=${BENCH_MEDIAN[plpgsql]}
base=${BENCH_MEDIAN[plain]}
awk -v lf="$lf" -v pl="$pl" -v base="$base" -v n="$LEADS" 'BEGIN {
	printf "  leadflow takes %.2f times the no-trigger time (target <= 3)\n",
		lf / base
	printf "  leadflow is %.2f times faster than PL/pgSQL (target >= 4)\n",
		pl / lf
	printf "  added time per row: leadflow %.1f µs, PL/pgSQL %.1f µs\n",
		(lf - base) / n * 1e6, (pl - base) / n * 1e6 }'

psql -qX -v ON_ERROR_STOP=1 <<'SQL'
\echo rows the PL/pgSQL baseline wrote in its last run:
SELECT count(*) AS leads,
	round(100.0 * count(*) FILTER (WHERE phone_valid) / count(*), 1)
		AS phone_valid_pct,
	round(100.0 * count(*) FILTER (WHERE email_valid) / count(*), 1)
		AS email_valid_pct,
	round(100.0 * count(*) FILTER (WHERE duplicate_of IS NOT NULL)
		/ count(*), 1) AS duplicate_pct,
	round(avg(score), 1) AS mean_score,
	(SELECT count(*) FROM bench_plpgsql.lead_event) AS events
FROM bench_plpgsql.lead;
SQL

autovacuum "RESET (autovacuum_enabled)"
