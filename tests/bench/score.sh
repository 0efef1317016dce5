#!/bin/bash
# tests/bench/score.sh
#
# Cost of one lead score: leadflow.score_v1() over 100 000 rows against the
# trivial builtin num_nulls() given the same six arguments, with warm
# caches holding 20 channels, 500 campaigns and 10 (then 50) active rules.
# Prints the median wall time of each query and the difference per call.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

ROWS=${SCORE_BENCH_ROWS:-100000}

psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION IF NOT EXISTS leadflow;
TRUNCATE leadflow.score_rule, leadflow.close_stats;
INSERT INTO leadflow.close_stats (dimension, key, closed, won)
SELECT 'all', '', 100000, 9000
UNION ALL
SELECT 'channel', 'channel_' || i, 5000, 200 + 40 * i
FROM generate_series(1, 20) AS i
UNION ALL
SELECT 'campaign', i::text, 200, i % 60
FROM generate_series(1, 500) AS i;
INSERT INTO leadflow.score_rule (name, attribute, op, value, points) VALUES
	('big', 'employees', '>=', '100', 8),
	('tiny', 'employees', '<', '5', -6),
	('de', 'country', '=', '"DE"', 3),
	('not-us', 'country', '<>', '"US"', 1),
	('industry', 'industry', 'in', '["saas", "fintech", "retail"]', 4),
	('budget', 'budget', 'present', NULL, 6),
	('no-site', 'website', 'absent', NULL, -4),
	('recent', 'founded', '>=', '"2015-01-01"', 2),
	('rated', 'rating', '>', '4.5', 2),
	('vip', 'vip', '=', 'true', 10);
SQL

attrs='{"employees": 250, "country": "DE", "industry": "saas", "budget": 5000, "website": "example.org", "founded": "2018-03-01", "rating": "4.7", "vip": false, "utm_source": "newsletter", "note": "called back twice"}'

from="FROM generate_series(1, $ROWS) AS g, (SELECT '$attrs'::jsonb AS a) AS c"
args="'channel_' || (g % 20 + 1), g % 500 + 1, true, g % 3 > 0, g % 7 = 0, a"
base_sql="SELECT count(num_nulls($args)) $from"
score_sql="SELECT count(leadflow.score_v1($args)) $from"

# median wall time of a statement over BENCH_ROUNDS runs, milliseconds
median_ms() {
	local i
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		bench_time_sql "$1"
	done | bench_median
}

report() {
	local b s
	b=$(median_ms "$base_sql")
	s=$(median_ms "$score_sql")
	printf '%-28s rows=%d  num_nulls %8.1f ms  score_v1 %8.1f ms  %.2f us/call\n' \
		"$1" "$ROWS" "$b" "$s" \
		"$(echo "$s $b $ROWS" | awk '{ print ($1 - $2) * 1000 / $3 }')"
}

report "score_v1, 10 rules"

psql -qX -v ON_ERROR_STOP=1 -c "
INSERT INTO leadflow.score_rule (name, attribute, op, value, points)
SELECT 'extra_' || i, 'extra_' || i, '=', to_jsonb(i), 1
FROM generate_series(1, 40) AS i;"
report "score_v1, 50 rules"

psql -qX -v ON_ERROR_STOP=1 -c \
	"TRUNCATE leadflow.score_rule, leadflow.close_stats;"
