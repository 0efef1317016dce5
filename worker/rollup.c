/*-------------------------------------------------------------------------
 *
 * worker/rollup.c
 *		The refresh job: brings leadflow.rollup_daily up to date from the
 *		buckets that triggers marked in leadflow.rollup_dirty, and
 *		leadflow.refresh_metrics(), which does the same by hand.
 *
 * An incremental refresh takes the marks it can see (deleting them),
 * cuts them into (day, campaign, rep) buckets in the rollup time zone,
 * deletes those buckets' rows and computes them again from their leads.
 * A full refresh recomputes everything; it happens by request, and by
 * itself when leadflow.rollup_time_zone no longer matches the zone the
 * rollups were cut in.  Both compute the figures with one shared list of
 * aggregates over one shared list of per-lead columns, so an incremental
 * refresh always equals a full one.  The figures read lead rows only
 * (touches count through the lead columns their triggers keep), so the
 * triggers on leads are the only ones that mark.  A mark committed while
 * a refresh runs stays for the next refresh.
 *
 * Concurrency: a refresh holds SHARE ROW EXCLUSIVE on rollup_daily, so two
 * refreshes (the worker and a manual call) take turns while readers go
 * on.  No process-local state.  Statements run with search_path set to
 * pg_catalog, pg_temp by the caller (job worker or function SET clause).
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "jobrun.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(leadflow_refresh_metrics);

/* The rollup's columns, in table order. */
#define ROLLUP_COLUMNS \
	"day, campaign_id, rep_id, channel, leads, unique_leads, responded, " \
	"reached, potential, hot, won, lost, disqualified, " \
	"closed_wrong_target, closed_invalid_contact, closed_duplicate, " \
	"closed_no_need, closed_spam, closed_lost_to_competitor, " \
	"closed_price, closed_timing, closed_unresponsive, closed_unknown, " \
	"sla_governed, sla_met, sla_missed, latency_count, " \
	"latency_business_s_sum, latency_wall_s_sum, latencies_business_s, " \
	"attempts_before_reach_sum, outbound_touches_sum, score_sum, scored"

/* The per-lead columns the figures are computed from (alias l). */
#define ROLLUP_LEAD_COLUMNS \
	"l.lead_id, l.received_at, l.campaign_id, l.rep_id, l.channel, " \
	"l.duplicate_of, l.first_response_at, l.reached_at, l.potential_at, " \
	"l.hot_at, l.won_at, l.stage, l.close_reason, l.sla_due_at, " \
	"l.sla_met, l.response_business_s, l.response_wall_s, " \
	"l.attempts_before_reach, l.outbound_touches, l.score"

#define ROLLUP_UNIQUE "x.duplicate_of IS NULL"
#define ROLLUP_REASON(r) \
	"count(*) FILTER (WHERE x.close_reason = '" r "'), "

/* The figures of one bucket, over rows x of the per-lead columns. */
#define ROLLUP_AGGREGATES \
	"count(*), " \
	"count(*) FILTER (WHERE " ROLLUP_UNIQUE "), " \
	"count(x.first_response_at), " \
	"count(*) FILTER (WHERE " ROLLUP_UNIQUE " AND x.reached_at IS NOT NULL), " \
	"count(*) FILTER (WHERE " ROLLUP_UNIQUE " AND " \
	"coalesce(x.potential_at, x.hot_at, x.won_at) IS NOT NULL), " \
	"count(*) FILTER (WHERE " ROLLUP_UNIQUE " AND " \
	"coalesce(x.hot_at, x.won_at) IS NOT NULL), " \
	"count(*) FILTER (WHERE " ROLLUP_UNIQUE " AND x.stage = 'won'), " \
	"count(*) FILTER (WHERE " ROLLUP_UNIQUE " AND x.stage = 'lost'), " \
	"count(*) FILTER (WHERE " ROLLUP_UNIQUE " AND x.stage = 'disqualified'), " \
	ROLLUP_REASON("wrong_target") \
	ROLLUP_REASON("invalid_contact") \
	ROLLUP_REASON("duplicate") \
	ROLLUP_REASON("no_need") \
	ROLLUP_REASON("spam") \
	ROLLUP_REASON("lost_to_competitor") \
	ROLLUP_REASON("price") \
	ROLLUP_REASON("timing") \
	ROLLUP_REASON("unresponsive") \
	ROLLUP_REASON("unknown") \
	"count(x.sla_due_at), " \
	"count(*) FILTER (WHERE x.sla_met), " \
	"count(*) FILTER (WHERE NOT x.sla_met), " \
	"count(x.response_business_s), " \
	"sum(x.response_business_s::numeric), " \
	"sum(x.response_wall_s::numeric), " \
	"array_agg(x.response_business_s ORDER BY x.response_business_s) " \
	"FILTER (WHERE x.response_business_s IS NOT NULL), " \
	"sum(x.attempts_before_reach) FILTER (WHERE x.reached_at IS NOT NULL), " \
	"sum(x.outbound_touches), " \
	"sum(x.score), " \
	"count(x.score)"

/* Everything, grouped by the day in time zone $1. */
#define ROLLUP_FULL_SQL \
	"INSERT INTO leadflow.rollup_daily (" ROLLUP_COLUMNS ") " \
	"SELECT (x.received_at AT TIME ZONE $1)::date, x.campaign_id, " \
	"x.rep_id, x.channel, " ROLLUP_AGGREGATES " " \
	"FROM (SELECT " ROLLUP_LEAD_COLUMNS " FROM leadflow.lead l) x " \
	"GROUP BY 1, 2, 3, 4"

/*
 * The buckets ($2 days, $3 campaigns, $4 reps; NULL is a key like any
 * other), each from its own leads: found through lead_rollup_bucket_idx
 * between the local midnights that open and close the day, widened by
 * three hours on each side so that no daylight-saving rule can leave a
 * lead out, then cut exactly by the day in time zone $1.
 */
#define ROLLUP_BUCKETS_SQL \
	"INSERT INTO leadflow.rollup_daily (" ROLLUP_COLUMNS ") " \
	"SELECT b.day, b.campaign_id, b.rep_id, x.channel, " ROLLUP_AGGREGATES " " \
	"FROM unnest($2::date[], $3::int[], $4::int[]) " \
	"AS b(day, campaign_id, rep_id) " \
	"CROSS JOIN LATERAL (SELECT " ROLLUP_LEAD_COLUMNS " " \
	"FROM leadflow.lead l " \
	"WHERE coalesce(l.campaign_id, 0) = coalesce(b.campaign_id, 0) " \
	"AND coalesce(l.rep_id, 0) = coalesce(b.rep_id, 0) " \
	"AND l.received_at >= (b.day::timestamp AT TIME ZONE $1) " \
	"- interval '3 hours' " \
	"AND l.received_at < ((b.day + 1)::timestamp AT TIME ZONE $1) " \
	"+ interval '3 hours' " \
	"AND (l.received_at AT TIME ZONE $1)::date = b.day " \
	"AND l.campaign_id IS NOT DISTINCT FROM b.campaign_id " \
	"AND l.rep_id IS NOT DISTINCT FROM b.rep_id) x " \
	"GROUP BY b.day, b.campaign_id, b.rep_id, x.channel"

static int64 rollup_full(const char *zone);
static int64 rollup_incremental(const char *zone);
static void rollup_exec(const char *sql, int nargs, Oid *types,
						Datum *values, int expect);

/*
 * rollup_exec
 *		Runs one statement through SPI (already connected) and raises an
 *		internal error unless it returns the expected SPI code.
 */
static void
rollup_exec(const char *sql, int nargs, Oid *types, Datum *values,
			int expect)
{
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
	if (rc != expect)
		elog(ERROR, "leadflow: SPI returned %d for a rollup statement", rc);
}

/*
 * leadflow_rollup_refresh
 *		Brings the rollups up to date: in full when asked or when the time
 *		zone changed, else only the marked buckets.  Returns the number of
 *		buckets recomputed (for a full refresh, of rows written); *message
 *		says when a full refresh was forced (allocated in the caller's
 *		memory context).  Expects a transaction with a snapshot; connects
 *		to SPI itself.
 */
int64
leadflow_rollup_refresh(bool full, char **message)
{
	const char *zone = leadflow_rollup_time_zone;
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;
	char	   *built_zone = NULL;
	int64		rows;

	SPI_connect();
	rollup_exec("LOCK TABLE leadflow.rollup_daily "
				"IN SHARE ROW EXCLUSIVE MODE",
				0, NULL, NULL, SPI_OK_UTILITY);
	rollup_exec("SELECT time_zone FROM leadflow.rollup_state",
				0, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			built_zone = TextDatumGetCString(d);
	}
	if (!full && (built_zone == NULL || strcmp(built_zone, zone) != 0))
	{
		full = true;
		if (message)
			*message = MemoryContextStrdup(caller,
										   psprintf("rebuilt in full for "
													"time zone \"%s\"",
													zone));
	}

	rows = full ? rollup_full(zone) : rollup_incremental(zone);

	values[0] = CStringGetTextDatum(zone);
	rollup_exec(full ?
				"UPDATE leadflow.rollup_state SET time_zone = $1, "
				"full_refresh_at = now(), refresh_at = now()" :
				"UPDATE leadflow.rollup_state SET refresh_at = now()",
				full ? 1 : 0, types, values, SPI_OK_UPDATE);
	SPI_finish();
	return rows;
}

/*
 * rollup_full
 *		Deletes every mark and every rollup row, then computes all buckets
 *		again.  Returns the number of rows written.
 */
static int64
rollup_full(const char *zone)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(zone);
	rollup_exec("DELETE FROM leadflow.rollup_dirty",
				0, NULL, NULL, SPI_OK_DELETE);
	rollup_exec("DELETE FROM leadflow.rollup_daily",
				0, NULL, NULL, SPI_OK_DELETE);
	rollup_exec(ROLLUP_FULL_SQL, 1, types, values, SPI_OK_INSERT);
	return SPI_processed;
}

/*
 * rollup_incremental
 *		Takes the visible marks, turns them into distinct buckets, and
 *		replaces the rows of those buckets.  Returns the number of
 *		buckets.
 */
static int64
rollup_incremental(const char *zone)
{
	Oid			types[4] = {TEXTOID, DATEARRAYOID, INT4ARRAYOID, INT4ARRAYOID};
	Datum		values[4];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	int64		buckets;

	values[0] = CStringGetTextDatum(zone);
	rollup_exec("WITH d AS (DELETE FROM leadflow.rollup_dirty "
				"RETURNING campaign_id, rep_id, received_at), "
				"b AS (SELECT DISTINCT (received_at AT TIME ZONE $1)::date "
				"AS day, campaign_id, rep_id FROM d "
				"WHERE received_at IS NOT NULL) "
				"SELECT count(*), array_agg(day), array_agg(campaign_id), "
				"array_agg(rep_id) FROM b",
				1, types, values, SPI_OK_SELECT);
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	buckets = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	if (buckets == 0)
		return 0;

	/* The arrays live in SPI's memory until SPI_finish. */
	values[1] = SPI_getbinval(tup, desc, 2, &isnull);
	values[2] = SPI_getbinval(tup, desc, 3, &isnull);
	values[3] = SPI_getbinval(tup, desc, 4, &isnull);

	rollup_exec("DELETE FROM leadflow.rollup_daily r "
				"USING unnest($2::date[], $3::int[], $4::int[]) "
				"AS b(day, campaign_id, rep_id) "
				"WHERE r.day = b.day "
				"AND coalesce(r.campaign_id, 0) = coalesce(b.campaign_id, 0) "
				"AND coalesce(r.rep_id, 0) = coalesce(b.rep_id, 0) "
				"AND r.campaign_id IS NOT DISTINCT FROM b.campaign_id "
				"AND r.rep_id IS NOT DISTINCT FROM b.rep_id",
				4, types, values, SPI_OK_DELETE);
	rollup_exec(ROLLUP_BUCKETS_SQL, 4, types, values, SPI_OK_INSERT);
	return buckets;
}

/*
 * leadflow_refresh_metrics
 *		SQL: leadflow.refresh_metrics(full boolean) returns bigint.  The
 *		refresh job by hand, in the calling transaction, recorded in
 *		leadflow.job_run as a manual run.
 */
Datum
leadflow_refresh_metrics(PG_FUNCTION_ARGS)
{
	bool		full = PG_GETARG_BOOL(0);
	TimestampTz started = GetCurrentTimestamp();
	char	   *message = NULL;
	int64		rows;

	rows = leadflow_rollup_refresh(full, &message);
	leadflow_jobrun_record("rollup", started, rows,
						   full ? "full refresh requested" : message);
	PG_RETURN_INT64(rows);
}
