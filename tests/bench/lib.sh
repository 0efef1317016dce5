# tests/bench/lib.sh: helpers sourced by the benchmark scripts.
#
# bench_compare runs two pgbench scripts against the same server in one
# run, alternating rounds so that drift in the machine's speed hits both
# sides alike, and prints each side's median and their ratio.

BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-5}

# bench_tps SCRIPT CLIENTS: one pgbench round; prints transactions/second.
bench_tps() {
	pgbench -n -M prepared -c "$2" -j "$2" -T "$BENCH_SECONDS" -f "$1" \
		2>/dev/null |
		awk '/^tps = / { print $3; exit }'
}

# median of the numbers on standard input
bench_median() {
	sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_compare TITLE CLIENTS LEADFLOW_LABEL LEADFLOW_SCRIPT
#               BASELINE_LABEL BASELINE_SCRIPT [RESET_SQL]
# Prints a result line: medians in tps and leadflow/baseline ratio.
# RESET_SQL, when given, runs before every round (e.g. TRUNCATE).
bench_compare() {
	local title=$1 clients=$2 la=$3 sa=$4 lb=$5 sb=$6 reset=${7:-}
	local a=() b=() i
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		[ -n "$reset" ] && psql -qX -c "$reset" >/dev/null
		a+=("$(bench_tps "$sa" "$clients")")
		[ -n "$reset" ] && psql -qX -c "$reset" >/dev/null
		b+=("$(bench_tps "$sb" "$clients")")
	done
	local ma mb
	ma=$(printf '%s\n' "${a[@]}" | bench_median)
	mb=$(printf '%s\n' "${b[@]}" | bench_median)
	printf '%-44s clients=%d  %s %10.0f tps  %s %10.0f tps  ratio %.3f\n' \
		"$title" "$clients" "$la" "$ma" "$lb" "$mb" \
		"$(echo "$ma $mb" | awk '{ print $1 / $2 }')"
}

# bench_time_sql SQL: server-side wall time of one statement, milliseconds.
bench_time_sql() {
	psql -qX -v ON_ERROR_STOP=1 -c '\timing on' -c "$1" |
		awk '/^Time: / { print $2 }' | tail -n 1
}
