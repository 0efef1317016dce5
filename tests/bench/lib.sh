# tests/bench/lib.sh: helpers sourced by the benchmark scripts.
#
# bench_compare runs two pgbench scripts against the same server in one
# run, alternating rounds so that drift in the machine's speed hits both
# sides alike, and prints each side's median and their ratio.
# bench_alternate and bench_time_alternate do the same for any number of
# variants (pgbench scripts, or timed SQL statements such as COPY) and
# leave the medians in BENCH_MEDIAN for the caller's own figures.

BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-5}
# Seconds of untimed pgbench per script before bench_alternate's rounds,
# so that no variant pays for the server's cold caches alone.
BENCH_WARMUP=${BENCH_WARMUP:-2}

# With one client, pgbench and its server process would hand every
# transaction to each other across CPUs or on one CPU as the scheduler
# happens to place them, which swings a run's figure by a third; with
# BENCH_PIN=1 (the default, when taskset is there and there are several
# CPUs) both are held on one CPU, so a one-client run measures the CPU
# time of a transaction and repeats within a few percent.
BENCH_PIN=${BENCH_PIN:-1}

# bench_pin_cpu: prints the CPU one-client runs are held on, or nothing
# when they are not held.
bench_pin_cpu() {
	[ "$BENCH_PIN" = 1 ] && command -v taskset >/dev/null &&
		[ "$(nproc)" -gt 1 ] || return 0
	taskset -cp $$ | awk '{ print $NF }' | sed 's/[,-].*//'
}

# bench_postmaster_pid: the server's process id, read from its data
# directory; nothing when that is not readable from here.
bench_postmaster_pid() {
	local dir
	dir=$(psql -qXAt -c 'SHOW data_directory' 2>/dev/null) || return 0
	[ -r "$dir/postmaster.pid" ] && head -n 1 "$dir/postmaster.pid"
	return 0
}

# bench_tps SCRIPT CLIENTS: one pgbench round; prints transactions/second.
# A failed or aborted run (an error in any transaction) shows pgbench's
# output on standard error and returns 1, so no half-run is ever counted.
# A one-client run is held on one CPU (see BENCH_PIN): the postmaster,
# and so the server process it starts for pgbench, and pgbench itself;
# the postmaster gets its own CPU set back afterwards.
bench_tps() {
	local out rc=0 cpu="" pm="" mask="" pin=()

	if [ "$2" = 1 ]; then
		cpu=$(bench_pin_cpu)
	fi
	if [ -n "$cpu" ]; then
		pm=$(bench_postmaster_pid)
	fi
	if [ -n "$pm" ] &&
		mask=$(taskset -p "$pm" | awk '{ print $NF }') &&
		taskset -pc "$cpu" "$pm" >/dev/null; then
		pin=(taskset -c "$cpu")
	else
		pm=""
	fi
	out=$("${pin[@]}" pgbench -n -M prepared -c "$2" -j "$2" \
		-T "$BENCH_SECONDS" -f "$1" 2>&1) || rc=$?
	if [ -n "$pm" ]; then
		taskset -p "$mask" "$pm" >/dev/null
	fi

	if [ "$rc" -ne 0 ]; then
		printf 'pgbench failed on %s:\n%s\n' "$1" "$out" >&2
		return 1
	fi
	awk '/^tps = / { print $3; exit }' <<<"$out"
}

# median of the numbers on standard input
bench_median() {
	sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
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

# Medians of the last bench_alternate or bench_time_alternate, by label.
declare -gA BENCH_MEDIAN=()

# bench_alternate CLIENTS RESET_SQL LABEL SCRIPT [LABEL SCRIPT ...]
# Runs BENCH_ROUNDS rounds of every pgbench SCRIPT with CLIENTS clients.
# Every script first runs BENCH_WARMUP seconds untimed.  Each round
# starts with a different variant, so that neither the first nor the last
# place in a round favours one of them; RESET_SQL (may be empty) runs
# before every single run.  Prints one line per variant (median and every
# round's figure) and sets BENCH_MEDIAN[LABEL] to the median transactions
# per second.
bench_alternate() {
	local clients=$1 reset=$2 i
	shift 2
	local args=("$@")

	for ((i = 1; BENCH_WARMUP > 0 && i < ${#args[@]}; i += 2)); do
		[ -n "$reset" ] && psql -qX -v ON_ERROR_STOP=1 \
			-c "$reset" >/dev/null
		BENCH_SECONDS=$BENCH_WARMUP bench_tps "${args[i]}" "$clients" \
			>/dev/null
	done
	bench_rotate tps "$clients" "$reset" "$@"
}

# bench_time_alternate LABEL RESET_SQL TIMED_SQL [LABEL RESET_SQL TIMED_SQL
#                      ...]
# Like bench_alternate for single SQL statements timed on the server side
# (psql's \timing): each variant's RESET_SQL runs, untimed, before each of
# its runs.  BENCH_MEDIAN[LABEL] gets the median in seconds.
bench_time_alternate() {
	bench_rotate time 0 "" "$@"
}

# bench_rotate KIND CLIENTS RESET ARGS...: the loop behind bench_alternate
# (KIND tps, ARGS are LABEL SCRIPT pairs) and bench_time_alternate (KIND
# time, ARGS are LABEL RESET_SQL TIMED_SQL triples).
bench_rotate() {
	local kind=$1 clients=$2 reset=$3
	shift 3
	local width=2 unit=tps
	[ "$kind" = time ] && width=3 unit=s
	local n=$(($# / width)) args=("$@") i r k label v
	local -A runs=()

	for ((r = 0; r < BENCH_ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			k=$(((r + i) % n * width))
			label=${args[k]}
			if [ "$kind" = tps ]; then
				[ -n "$reset" ] && psql -qX -v ON_ERROR_STOP=1 \
					-c "$reset" >/dev/null
				v=$(bench_tps "${args[k + 1]}" "$clients")
			else
				psql -qX -v ON_ERROR_STOP=1 -c "${args[k + 1]}" >/dev/null
				v=$(bench_time_sql "${args[k + 2]}")
				v=$(awk -v ms="$v" 'BEGIN { printf "%.3f", ms / 1000 }')
			fi
			[ -n "$v" ] || { echo "no figure for $label" >&2; return 1; }
			runs[$label]+="$v "
		done
	done

	for ((i = 0; i < n; i++)); do
		label=${args[i * width]}
		BENCH_MEDIAN[$label]=$(printf '%s\n' ${runs[$label]} | bench_median)
		printf '  %-12s median %12s %-3s  rounds: %s\n' "$label" \
			"${BENCH_MEDIAN[$label]}" "$unit" "${runs[$label]}"
	done
}

# bench_added_us TPS_VARIANT TPS_BASE CLIENTS: the time a variant adds to
# each row, in microseconds, as one client sees it: CLIENTS / TPS_VARIANT
# minus CLIENTS / TPS_BASE.
bench_added_us() {
	awk -v v="$1" -v b="$2" -v c="$3" \
		'BEGIN { printf "%.1f", c * (1 / v - 1 / b) * 1e6 }'
}
