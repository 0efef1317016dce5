#!/bin/bash
# tests/bench/lead_insert.sh
#
# Single-row lead INSERTs through pgbench (-M prepared, 1 and 2 clients)
# into three tables of the same shape and indexes (lead_setup.sql):
#   leadflow   leadflow.lead with leadflow's C triggers
#   plain      bench_plain.lead without any trigger
#   plpgsql    bench_plpgsql.lead with the PL/pgSQL baseline
# Rounds alternate between the three; every run starts from empty tables.
# Prints each variant's median, the share of no-trigger throughput
# leadflow keeps (target: at least 85%) and the time per row each set of
# triggers adds as one client sees it, clients / tps of the variant minus
# clients / tps without triggers, leadflow's against PL/pgSQL's (target:
# at most a fifth).
#
# The rows: arrival spread over four weeks from Monday 2026-08-24 (local
# time), so that the share arriving outside working hours, at weekends
# and on the National Day holidays does not depend on when the benchmark
# runs; 15% of rows come from a pool of 300 repeat contacts, written
# differently each time, so the duplicate check finds matches.  Phones:
# 70% mobile (03x, 05x, 07x, 08x, 09x), 10% old 11-digit 01xx, 8% Hanoi or
# Ho Chi Minh City landlines, in five spellings; 6% garbage, 6% none.
# E-mail: 40% gmail (dots, +tags, capitals, googlemail.com), 44% other
# domains, 6% malformed, 10% none.  A channel, a campaign name matching
# it (some unknown), and attributes the score rules read.  The same
# expressions build every variant's rows, so that cost is the same in all
# three.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

psql -qX -v ON_ERROR_STOP=1 -f "$here/lead_setup.sql" >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# lead_script TABLE: the pgbench script inserting one lead into TABLE.
# Numbers are drawn by pgbench; the contact's kind of phone and e-mail is
# a hash of the contact, so a repeat contact keeps them, while the way
# they are written is drawn again for every row.
lead_script() {
	sed "s/@TABLE@/$1/" <<'EOF'
\set r random(1, 100)
\set cid CASE WHEN :r <= 15 THEN random(1, 300) \
	ELSE random(301, 2000000000) END
\set k abs(hash(:cid))
\set pk :k % 100
\set j (:k / 100) % 32
\set sub (:k / 3200) % 10000000
\set mob CASE WHEN :j < 8 THEN 32 + :j WHEN :j = 8 THEN 56 \
	WHEN :j = 9 THEN 58 WHEN :j = 10 THEN 59 WHEN :j = 11 THEN 70 \
	WHEN :j < 16 THEN 64 + :j WHEN :j < 24 THEN 65 + :j \
	WHEN :j = 24 THEN 90 WHEN :j = 25 THEN 91 WHEN :j = 26 THEN 93 \
	WHEN :j = 27 THEN 94 WHEN :j = 28 THEN 96 WHEN :j = 29 THEN 97 \
	WHEN :j = 30 THEN 98 ELSE 90 END
\set old CASE WHEN :j < 10 THEN 120 + :j ELSE 162 + :j % 8 END
\set nsn CASE WHEN :pk < 70 THEN :mob * 10000000 + :sub \
	WHEN :pk < 80 THEN :old * 10000000 + :sub \
	WHEN :pk < 88 THEN (28 - 4 * (:j % 2)) * 100000000 + :sub * 10 + :j % 10 \
	ELSE :sub % 100000 END
\set fmt random(0, 4)
\set e abs(hash(:cid, 7919)) % 100
\set efmt random(0, 3)
\set ch random(0, 99)
\set chi CASE WHEN :ch < 35 THEN 1 WHEN :ch < 65 THEN 2 WHEN :ch < 75 THEN 3 \
	WHEN :ch < 85 THEN 4 WHEN :ch < 95 THEN 5 ELSE 6 END
\set u random(0, 99)
\set sec random(0, 2419199)
\set budget random(0, 500)
\set size random(1, 800)
\set prod random(1, 4)
\set ref random(1, 999999999)
INSERT INTO @TABLE@ (external_ref, received_at, channel, campaign_name,
	contact_name, phone_raw, email_raw, attributes)
VALUES (
	'web-' || :ref::bigint,
	to_timestamp(1787504400 + :sec::integer),
	(ARRAY['paid_search', 'social', 'referral', 'event', 'website',
		   'import'])[:chi::integer],
	CASE WHEN :u::integer < 3 THEN 'Summer Promo 2024'
		 ELSE (ARRAY['Google Ads VN Q3', 'Facebook Lead Ads', NULL,
					 'Vietnam Expo 2026', NULL, NULL])[:chi::integer] END,
	'Khach hang ' || :cid::bigint,
	CASE WHEN :pk::integer >= 94 THEN NULL
		 WHEN :pk::integer >= 88 THEN
			CASE WHEN :fmt::integer < 2 THEN 'goi lai sau ' || :nsn::bigint
				 ELSE '0' || :nsn::bigint END
		 ELSE CASE :fmt::integer
			WHEN 0 THEN '0' || :nsn::bigint
			WHEN 1 THEN '+84' || :nsn::bigint
			WHEN 2 THEN '84' || :nsn::bigint
			WHEN 3 THEN '(+84) ' || substr(:nsn::text, 1, 2) || ' ' ||
				substr(:nsn::text, 3, 4) || ' ' || substr(:nsn::text, 7)
			ELSE '0' || substr(:nsn::text, 1, 2) || '.' ||
				substr(:nsn::text, 3, 3) || '.' || substr(:nsn::text, 6) END
	END,
	CASE WHEN :e::integer >= 90 THEN NULL
		 WHEN :e::integer >= 84 THEN
			CASE :efmt::integer
				WHEN 0 THEN 'khach' || :cid::bigint || '@gmail'
				WHEN 1 THEN 'khach' || :cid::bigint || '.gmail.com'
				ELSE 'khach..' || :cid::bigint || '@yahoo.com' END
		 WHEN :e::integer >= 40 THEN
			'tran.thi' || :cid::bigint || '@' ||
			(ARRAY['yahoo.com', 'outlook.com', 'fpt.com.vn',
				   'Congty.VN'])[:e::integer % 4 + 1]
		 ELSE CASE :efmt::integer
			WHEN 0 THEN 'nguyen.van' || :cid::bigint || '@gmail.com'
			WHEN 1 THEN 'nguyenvan' || :cid::bigint || '+fb@gmail.com'
			WHEN 2 THEN ' NguyenVan' || :cid::bigint || '@GMail.com '
			ELSE 'nguyen.van.' || :cid::bigint || '@googlemail.com' END
	END,
	jsonb_build_object('budget_vnd', :budget::bigint * 1000000,
		'company_size', :size::integer,
		'product', (ARRAY['crm', 'erp', 'pos', 'hr'])[:prod::integer]));
EOF
}

lead_script leadflow.lead > "$tmp/leadflow.sql"
lead_script bench_plain.lead > "$tmp/plain.sql"
lead_script bench_plpgsql.lead > "$tmp/plpgsql.sql"

reset="SET client_min_messages = warning;
	TRUNCATE leadflow.lead, bench_plain.lead, bench_plpgsql.lead
	RESTART IDENTITY CASCADE"

for c in 1 2; do
	pinned=""
	if [ "$c" = 1 ] && [ -n "$(bench_pin_cpu)" ]; then
		pinned=", pgbench and server on one CPU"
	fi
	echo "single-row lead INSERT, clients=$c," \
		"$BENCH_ROUNDS rounds of ${BENCH_SECONDS}s$pinned"
	bench_alternate "$c" "$reset" \
		leadflow "$tmp/leadflow.sql" \
		plain "$tmp/plain.sql" \
		plpgsql "$tmp/plpgsql.sql"
	lf=${BENCH_MEDIAN[leadflow]}
	pl=${BENCH_MEDIAN[plpgsql]}
	base=${BENCH_MEDIAN[plain]}
	add_lf=$(bench_added_us "$lf" "$base" "$c")
	add_pl=$(bench_added_us "$pl" "$base" "$c")
	awk -v lf="$lf" -v base="$base" 'BEGIN {
		printf "  leadflow keeps %.1f%% of no-trigger throughput" \
			" (target >= 85%%)\n", 100 * lf / base }'
	awk -v a="$add_lf" -v b="$add_pl" 'BEGIN {
		printf "  added cost per row: leadflow %.1f µs, PL/pgSQL %.1f µs," \
			" ratio %.3f (target <= 0.200)\n", a, b, (b != 0 ? a / b : 0) }'
done

# What the rows look like once the baseline has processed them, so a
# reader can see they were realistic: one more short run, untimed.
psql -qX -v ON_ERROR_STOP=1 -c "$reset" >/dev/null
BENCH_SECONDS=2 bench_tps "$tmp/plpgsql.sql" 1 >/dev/null
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
\echo rows the PL/pgSQL baseline wrote in 2 seconds:
SELECT count(*) AS leads,
	round(100.0 * count(*) FILTER (WHERE phone_valid) / count(*), 1)
		AS phone_valid_pct,
	round(100.0 * count(*) FILTER (WHERE email_valid) / count(*), 1)
		AS email_valid_pct,
	round(100.0 * count(*) FILTER (WHERE duplicate_of IS NOT NULL)
		/ count(*), 1) AS duplicate_pct,
	round(100.0 * count(*) FILTER (WHERE campaign_id IS NOT NULL)
		/ count(*), 1) AS campaign_pct,
	round(avg(score), 1) AS mean_score,
	round(avg(extract(epoch FROM sla_due_at - sla_started_at)) / 3600, 1)
		AS mean_wall_hours_to_due,
	(SELECT count(*) FROM bench_plpgsql.lead_event) AS events
FROM bench_plpgsql.lead;
SQL
