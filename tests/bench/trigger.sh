#!/bin/bash
# tests/bench/trigger.sh
#
# Cost of the cheapest C trigger: single-row INSERT into a table with
# leadflow.stamp_updated_at() against the same table without a trigger.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION IF NOT EXISTS leadflow;
DROP TABLE IF EXISTS bench_plain, bench_stamped;
CREATE TABLE bench_plain (id bigserial PRIMARY KEY, v int,
	updated_at timestamptz);
CREATE TABLE bench_stamped (LIKE bench_plain INCLUDING ALL);
CREATE TRIGGER bench_stamped_stamp BEFORE INSERT ON bench_stamped
	FOR EACH ROW EXECUTE FUNCTION leadflow.stamp_updated_at();
SQL

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'INSERT INTO bench_stamped (v) VALUES (1);' > "$tmp/stamped.sql"
echo 'INSERT INTO bench_plain (v) VALUES (1);' > "$tmp/plain.sql"

for c in 1 2; do
	bench_compare "INSERT, C trigger vs no trigger" "$c" \
		"leadflow" "$tmp/stamped.sql" "no-trigger" "$tmp/plain.sql" \
		"TRUNCATE bench_plain, bench_stamped"
done
