/*-------------------------------------------------------------------------
 *
 * worker/rollup.c
 *		The refresh job: brings leadflow.rollup_daily and
 *		leadflow.rollup_rep_daily up to date from the changes that
 *		triggers logged in leadflow.rollup_delta, and
 *		leadflow.refresh_metrics(), which does the same by hand.
 *
 * The rollups are a sum over lead rows: every figure is a count or a sum
 * of what one lead contributes (and sorted lists of values such as
 * latencies, a multiset union).  The triggers on leads log, for every
 * change, the lead's old row with weight -1 and its new row with weight
 * +1.  An incremental refresh takes the logged rows it can see, adds up
 * their weighted contributions per bucket (day in the rollup time zone,
 * campaign, rep, channel) and adds them to the buckets' rows, in one
 * statement and so in one snapshot: the rollups then equal a full
 * recomputation as of that snapshot, and the work follows the number of
 * changes, not of leads.  A full refresh recomputes everything from the
 * leads with the same aggregates (weight 1) and drops the log, all in one
 * snapshot too; it happens by request, and by itself when
 * leadflow.rollup_time_zone no longer matches the zone the rollups were
 * cut in (or after TRUNCATE or a restore).
 *
 * leadflow.rollup_rep_daily holds the same figures per day and rep alone
 * (three of the lists), for the rep and team views: the incremental
 * statement applies the same logged rows to it, grouped by day and rep,
 * in further CTEs, and a full refresh recomputes it from the leads in the
 * same snapshot, so it always equals rollup_daily summed per day and rep.
 * Only a refresh writes it, under the same lock on rollup_daily.
 * leadflow.rollup_campaign_daily, ten of the additive figures per day,
 * campaign and channel (for the campaign view), is kept from the same
 * logged rows in the same statement; its changes are added to its rows
 * by an upsert, and a later statement of the refresh drops the buckets
 * left empty.
 *
 * leadflow.rollup_escalation_daily, the escalation steps per day fired,
 * rep, step and action, is kept the same way from the ledger's changes
 * that triggers log in leadflow.rollup_escalation_delta: by the same
 * refresh, and rebuilt by a full refresh in the same snapshot.
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
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "postmaster/interrupt.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "jobrun.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(leadflow_refresh_metrics);

/* The bucket key, then the additive figures, then the sorted lists. */
#define ROLLUP_KEYS "day, campaign_id, rep_id, channel"

static const char *const rollup_additive[] = {
	"leads", "unique_leads", "responded", "reached", "potential", "hot",
	"won", "lost", "disqualified", "closed_wrong_target",
	"closed_invalid_contact", "closed_duplicate", "closed_no_need",
	"closed_spam", "closed_lost_to_competitor", "closed_price",
	"closed_timing", "closed_unresponsive", "closed_unknown",
	"sla_governed", "sla_met", "sla_missed", "latency_count",
	"latency_business_s_sum", "latency_wall_s_sum",
	"attempts_before_reach_sum", "outbound_touches_sum", "score_sum",
	"scored", "attempting", "reached_any", "won_any",
	"unique_wrong_target", "unique_invalid_contact", "delay_count",
	"system_delay_s_sum", "human_delay_s_sum"
};

#define ROLLUP_NADDITIVE lengthof(rollup_additive)

/*
 * The additive figures rollup_campaign_daily keeps: those campaign_quality
 * shows.  Fewer columns make each campaign bucket cheaper to refresh.
 */
static const char *const rollup_campaign_additive[] = {
	"leads", "unique_leads", "reached", "potential", "hot", "won",
	"unique_wrong_target", "unique_invalid_contact", "score_sum", "scored"
};

/* What one lead contributes, as columns of rows x with weight x.w. */
#define ROLLUP_COUNT(cond) \
	"coalesce(sum(x.w) FILTER (WHERE " cond "), 0)"
#define ROLLUP_UNIQUE "x.duplicate_of IS NULL"
#define ROLLUP_REASON(r) ROLLUP_COUNT("x.close_reason = '" r "'") ", "
/*
 * An SLA missed for good: answered late, or closed unanswered after its
 * due time (closed_at, the time the lead last closed, is NULL while it is
 * open).  An open lead not answered yet misses its SLA when the due time
 * passes, with no write to the lead: its due time goes into the
 * sla_open_due_s list instead, which the views compare with the clock.
 */
#define ROLLUP_SLA_MISSED \
	"NOT x.sla_met OR (x.first_response_at IS NULL " \
	"AND x.sla_due_at < x.closed_at)"
#define ROLLUP_SLA_OPEN \
	"x.sla_due_at IS NOT NULL AND x.first_response_at IS NULL " \
	"AND x.closed_at IS NULL"
#define ROLLUP_DELAYED \
	"x.first_response_at IS NOT NULL AND x.assigned_at IS NOT NULL"
#define ROLLUP_SECONDS(from, to) \
	"extract(epoch FROM " to " - " from ")::float8"

/* The additive figures, in the order of rollup_additive. */
#define ROLLUP_AGGREGATES \
	"coalesce(sum(x.w), 0), " \
	ROLLUP_COUNT(ROLLUP_UNIQUE) ", " \
	ROLLUP_COUNT("x.first_response_at IS NOT NULL") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND coalesce(x.reached_at, " \
				 "x.potential_at, x.hot_at, x.won_at) IS NOT NULL") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND " \
				 "coalesce(x.potential_at, x.hot_at, x.won_at) IS NOT NULL") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND " \
				 "coalesce(x.hot_at, x.won_at) IS NOT NULL") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND x.stage = 'won'") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND x.stage = 'lost'") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND x.stage = 'disqualified'") ", " \
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
	ROLLUP_COUNT("x.sla_due_at IS NOT NULL") ", " \
	ROLLUP_COUNT("x.sla_met") ", " \
	ROLLUP_COUNT(ROLLUP_SLA_MISSED) ", " \
	ROLLUP_COUNT("x.response_business_s IS NOT NULL") ", " \
	"coalesce(sum(x.w * x.response_business_s::numeric), 0), " \
	"coalesce(sum(x.w * x.response_wall_s::numeric), 0), " \
	"coalesce(sum(x.w * x.attempts_before_reach) " \
	"FILTER (WHERE x.reached_at IS NOT NULL), 0), " \
	"coalesce(sum(x.w * x.outbound_touches), 0), " \
	"coalesce(sum(x.w * x.score), 0), " \
	ROLLUP_COUNT("x.score IS NOT NULL") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND coalesce(x.attempting_at, " \
				 "x.reached_at, x.potential_at, x.hot_at, x.won_at) " \
				 "IS NOT NULL") ", " \
	ROLLUP_COUNT("x.reached_at IS NOT NULL") ", " \
	ROLLUP_COUNT("x.stage = 'won'") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND x.close_reason = 'wrong_target'") ", " \
	ROLLUP_COUNT(ROLLUP_UNIQUE " AND x.close_reason = 'invalid_contact'") \
	", " \
	ROLLUP_COUNT(ROLLUP_DELAYED) ", " \
	"coalesce(sum(x.w * greatest(0, extract(epoch FROM " \
	"least(x.assigned_at, x.first_response_at) - x.received_at))) " \
	"FILTER (WHERE " ROLLUP_DELAYED "), 0), " \
	"coalesce(sum(x.w * greatest(0, extract(epoch FROM " \
	"x.first_response_at - greatest(x.assigned_at, x.received_at)))) " \
	"FILTER (WHERE " ROLLUP_DELAYED "), 0)"

/*
 * The sorted lists (multisets of one value per lead): the column, the
 * value a lead contributes, and when it contributes one.
 */
typedef struct RollupList
{
	const char *column;
	const char *value;
	const char *when;
	bool		per_rep;		/* kept in rollup_rep_daily too */
} RollupList;

static const RollupList rollup_lists[] = {
	{"latencies_business_s", "x.response_business_s",
	"x.response_business_s IS NOT NULL", true},
	{"latencies_wall_s", "x.response_wall_s",
	"x.response_wall_s IS NOT NULL", true},
	{"stage_new_attempting_s",
		ROLLUP_SECONDS("x.received_at", "x.attempting_at"),
	ROLLUP_UNIQUE " AND x.attempting_at IS NOT NULL", false},
	{"stage_attempting_reached_s",
		ROLLUP_SECONDS("x.attempting_at", "x.reached_at"),
	ROLLUP_UNIQUE " AND x.attempting_at IS NOT NULL "
	"AND x.reached_at IS NOT NULL", false},
	{"stage_reached_potential_s",
		ROLLUP_SECONDS("x.reached_at", "x.potential_at"),
	ROLLUP_UNIQUE " AND x.reached_at IS NOT NULL "
	"AND x.potential_at IS NOT NULL", false},
	{"stage_potential_hot_s",
		ROLLUP_SECONDS("x.potential_at", "x.hot_at"),
	ROLLUP_UNIQUE " AND x.potential_at IS NOT NULL "
	"AND x.hot_at IS NOT NULL", false},
	{"stage_hot_won_s",
		ROLLUP_SECONDS("x.hot_at", "x.won_at"),
	ROLLUP_UNIQUE " AND x.hot_at IS NOT NULL "
	"AND x.won_at IS NOT NULL", false},
	{"sla_open_due_s", "extract(epoch FROM x.sla_due_at)::float8",
	ROLLUP_SLA_OPEN, true}
};

#define ROLLUP_NLISTS lengthof(rollup_lists)

/* The lead columns the figures read; the delta log has the same. */
#define ROLLUP_LEAD_COLUMNS \
	"received_at, campaign_id, rep_id, channel, duplicate_of, " \
	"first_response_at, reached_at, potential_at, hot_at, won_at, stage, " \
	"close_reason, sla_due_at, sla_met, response_business_s, " \
	"response_wall_s, attempts_before_reach, outbound_touches, score, " \
	"assigned_at, attempting_at, closed_at"

/*
 * Everything from the leads, grouped by the day in time zone $1.  The
 * first %s is the additive columns, the second the list columns, the
 * third the lists' sorted aggregates.
 */
#define ROLLUP_FULL_SQL \
	"INSERT INTO leadflow.rollup_daily (" ROLLUP_KEYS ", %s, %s) " \
	"SELECT (x.received_at AT TIME ZONE $1)::date, x.campaign_id, " \
	"x.rep_id, x.channel, " ROLLUP_AGGREGATES ", %s " \
	"FROM (SELECT " ROLLUP_LEAD_COLUMNS ", 1 AS w FROM leadflow.lead) x " \
	"GROUP BY 1, 2, 3, 4"

/*
 * The logged changes, taken and summed per bucket (g), merged with the
 * buckets' current rows (m): buckets left without leads are deleted, the
 * others written.  Each list is the old list plus the added values minus
 * the removed ones, sorted.  One statement, one snapshot.  The %s are, in
 * order: additive columns and the names of the added and removed values
 * per list (g's columns); the added and removed values; additive sums;
 * merged lists; the CTEs that do the same for rollup_rep_daily and
 * rollup_campaign_daily (ROLLUP_REP_DELTA_SQL, ROLLUP_CAMPAIGN_DELTA_SQL);
 * additive columns and list columns (twice); the update of additive and
 * list columns.
 */
#define ROLLUP_DELTA_SQL \
	"WITH d AS (DELETE FROM leadflow.rollup_delta RETURNING *), " \
	"g(" ROLLUP_KEYS ", %s, %s) AS (" \
	"SELECT (x.received_at AT TIME ZONE $1)::date, " \
	"x.campaign_id, x.rep_id, x.channel, " ROLLUP_AGGREGATES ", %s " \
	"FROM (SELECT " ROLLUP_LEAD_COLUMNS ", sign AS w FROM d) x " \
	"GROUP BY 1, 2, 3, 4), " \
	"m AS (SELECT g.day, g.campaign_id, g.rep_id, g.channel, %s, %s " \
	"FROM g LEFT JOIN leadflow.rollup_daily r " \
	"ON r.day = g.day " \
	"AND coalesce(r.campaign_id, 0) = coalesce(g.campaign_id, 0) " \
	"AND coalesce(r.rep_id, 0) = coalesce(g.rep_id, 0) " \
	"AND r.campaign_id IS NOT DISTINCT FROM g.campaign_id " \
	"AND r.rep_id IS NOT DISTINCT FROM g.rep_id " \
	"AND r.channel IS NOT DISTINCT FROM g.channel), " \
	"z AS (DELETE FROM leadflow.rollup_daily r USING m " \
	"WHERE m.leads = 0 AND r.day = m.day " \
	"AND coalesce(r.campaign_id, 0) = coalesce(m.campaign_id, 0) " \
	"AND coalesce(r.rep_id, 0) = coalesce(m.rep_id, 0) " \
	"AND r.campaign_id IS NOT DISTINCT FROM m.campaign_id " \
	"AND r.rep_id IS NOT DISTINCT FROM m.rep_id " \
	"AND r.channel IS NOT DISTINCT FROM m.channel), %s " \
	"INSERT INTO leadflow.rollup_daily (" ROLLUP_KEYS ", %s, %s) " \
	"SELECT " ROLLUP_KEYS ", %s, %s FROM m " \
	"WHERE m.leads <> 0 " \
	"ON CONFLICT ON CONSTRAINT rollup_daily_bucket DO UPDATE SET %s, %s"

/*
 * The same changes applied to rollup_rep_daily, as CTEs of the statement
 * above, so that both rollups take the same rows of the log in the same
 * snapshot: the changes summed per day and rep (named g inside mr, so
 * that the column lists of ROLLUP_DELTA_SQL serve here too), merged with
 * the current rows, emptied buckets deleted, the others written.  The %s
 * are: additive columns and added and removed list names; the added and
 * removed values; additive sums; merged lists; additive and list columns
 * (twice); the update of additive and list columns.
 */
#define ROLLUP_REP_DELTA_SQL \
	"gr(day, rep_id, %s, %s) AS (" \
	"SELECT (x.received_at AT TIME ZONE $1)::date, x.rep_id, " \
	ROLLUP_AGGREGATES ", %s " \
	"FROM (SELECT " ROLLUP_LEAD_COLUMNS ", sign AS w FROM d) x " \
	"GROUP BY 1, 2), " \
	"mr AS (SELECT g.day, g.rep_id, %s, %s " \
	"FROM gr g LEFT JOIN leadflow.rollup_rep_daily r " \
	"ON r.day = g.day AND coalesce(r.rep_id, 0) = coalesce(g.rep_id, 0) " \
	"AND r.rep_id IS NOT DISTINCT FROM g.rep_id), " \
	"zr AS (DELETE FROM leadflow.rollup_rep_daily r USING mr " \
	"WHERE mr.leads = 0 AND r.day = mr.day " \
	"AND coalesce(r.rep_id, 0) = coalesce(mr.rep_id, 0) " \
	"AND r.rep_id IS NOT DISTINCT FROM mr.rep_id), " \
	"ir AS (INSERT INTO leadflow.rollup_rep_daily (day, rep_id, %s, %s) " \
	"SELECT day, rep_id, %s, %s FROM mr WHERE mr.leads <> 0 " \
	"ON CONFLICT ON CONSTRAINT rollup_rep_daily_bucket " \
	"DO UPDATE SET %s, %s)"

/*
 * The campaign columns summed per day, campaign and channel from lead rows
 * with weights w: all additive aggregates named (%1$s, all additive
 * columns) and the campaign's picked from them (%2$s, the campaign
 * columns); the planner computes only those picked.
 */
#define ROLLUP_CAMPAIGN_SUMS(weighted_rows) \
	"SELECT day, campaign_id, channel, %2$s FROM (" \
	"SELECT (x.received_at AT TIME ZONE $1)::date, x.campaign_id, " \
	"x.channel, " ROLLUP_AGGREGATES " " \
	"FROM (SELECT " ROLLUP_LEAD_COLUMNS ", " weighted_rows ") x " \
	"GROUP BY 1, 2, 3) f(day, campaign_id, channel, %1$s)"

/*
 * The same changes applied to rollup_campaign_daily, as further CTEs: the
 * logged rows summed per day, campaign and channel and added to the
 * buckets' rows, new buckets inserted (no lists, and only the campaign
 * columns, rollup_campaign_additive).  The conflict check finds the
 * bucket, so no join looks it up first; the buckets this leaves empty
 * are deleted by ROLLUP_CAMPAIGN_EMPTY_SQL.  Besides %1$s and %2$s as
 * above, %3$s adds each column's change.
 */
#define ROLLUP_CAMPAIGN_DELTA_SQL \
	"gc AS (" ROLLUP_CAMPAIGN_SUMS("sign AS w FROM d") "), " \
	"ic AS (INSERT INTO leadflow.rollup_campaign_daily AS r " \
	"(day, campaign_id, channel, %2$s) " \
	"SELECT day, campaign_id, channel, %2$s FROM gc " \
	"ON CONFLICT ON CONSTRAINT rollup_campaign_daily_bucket " \
	"DO UPDATE SET %3$s)"

/* Campaign buckets the changes left without leads, and so empty. */
#define ROLLUP_CAMPAIGN_EMPTY_SQL \
	"DELETE FROM leadflow.rollup_campaign_daily WHERE leads = 0"

/* Everything per day and rep from the leads, like ROLLUP_FULL_SQL. */
#define ROLLUP_REP_FULL_SQL \
	"INSERT INTO leadflow.rollup_rep_daily (day, rep_id, %s, %s) " \
	"SELECT (x.received_at AT TIME ZONE $1)::date, x.rep_id, " \
	ROLLUP_AGGREGATES ", %s " \
	"FROM (SELECT " ROLLUP_LEAD_COLUMNS ", 1 AS w FROM leadflow.lead) x " \
	"GROUP BY 1, 2"

/* The campaign columns per day, campaign and channel from the leads. */
#define ROLLUP_CAMPAIGN_FULL_SQL \
	"INSERT INTO leadflow.rollup_campaign_daily " \
	"(day, campaign_id, channel, %2$s) " \
	ROLLUP_CAMPAIGN_SUMS("1 AS w FROM leadflow.lead")

/* Escalations per day fired, rep, step and action, from the ledger. */
#define ROLLUP_ESCALATION_FULL_SQL \
	"INSERT INTO leadflow.rollup_escalation_daily " \
	"(day, rep_id, step, action, fired, reassigned) " \
	"SELECT (e.fired_at AT TIME ZONE $1)::date, e.rep_id, e.step, " \
	"e.action, count(*), count(*) FILTER (WHERE e.outcome = 'reassigned') " \
	"FROM leadflow.escalation e GROUP BY 1, 2, 3, 4"

/* The ledger's logged changes added to their buckets. */
#define ROLLUP_ESCALATION_DELTA_SQL \
	"WITH d AS (DELETE FROM leadflow.rollup_escalation_delta " \
	"RETURNING *) " \
	"INSERT INTO leadflow.rollup_escalation_daily AS r " \
	"(day, rep_id, step, action, fired, reassigned) " \
	"SELECT (d.fired_at AT TIME ZONE $1)::date, d.rep_id, d.step, " \
	"d.action, sum(d.sign), " \
	"coalesce(sum(d.sign) FILTER (WHERE d.outcome = 'reassigned'), 0) " \
	"FROM d GROUP BY 1, 2, 3, 4 " \
	"ON CONFLICT ON CONSTRAINT rollup_escalation_daily_bucket DO UPDATE " \
	"SET fired = r.fired + excluded.fired, " \
	"reassigned = r.reassigned + excluded.reassigned"

/* Buckets the changes left empty. */
#define ROLLUP_ESCALATION_EMPTY_SQL \
	"DELETE FROM leadflow.rollup_escalation_daily WHERE fired = 0"

/*
 * Pieces of the incremental statement that both rollups use: the names of
 * the added and removed values of each list, those values from the
 * logged rows, an additive column plus its change, a list merged with its
 * changes, and an additive column set from the row proposed.
 */
#define ROLLUP_LIST_NAMES "added_@C, removed_@C"
#define ROLLUP_LIST_CHANGES \
	"array_agg(@V) FILTER (WHERE x.w > 0 AND @W), " \
	"array_agg(@V) FILTER (WHERE x.w < 0 AND @W)"
#define ROLLUP_ADD "coalesce(r.%1$s, 0) + g.%1$s AS %1$s"
#define ROLLUP_LIST_MERGE \
	"leadflow.list_apply(r.@C, g.added_@C, g.removed_@C) AS @C"
#define ROLLUP_SET "%1$s = excluded.%1$s"

static int64 rollup_full(const char *zone);
static int64 rollup_incremental(const char *zone);
static char *rollup_list(const char *format, const char *separator);
static char *rollup_campaign_list(const char *format, const char *separator);
static char *rollup_columns(const char *const *columns, int n,
							const char *format, const char *separator);
static char *rollup_lists_sql(const char *format, bool per_rep);
static void rollup_exec(const char *sql, int nargs, Oid *types,
						Datum *values, Snapshot snapshot, int expect);

/*
 * rollup_exec
 *		Runs one statement through SPI (already connected), in the given
 *		snapshot or a fresh one when it is NULL, and raises an internal
 *		error unless it returns the expected SPI code.
 */
static void
rollup_exec(const char *sql, int nargs, Oid *types, Datum *values,
			Snapshot snapshot, int expect)
{
	SPIPlanPtr	plan;
	int			rc;

	plan = SPI_prepare(sql, nargs, types);
	if (plan == NULL)
		elog(ERROR, "leadflow: could not prepare a rollup statement: %s",
			 SPI_result_code_string(SPI_result));
	rc = SPI_execute_snapshot(plan, values, NULL, snapshot, InvalidSnapshot,
							  false, true, 0);
	if (rc != expect)
		elog(ERROR, "leadflow: SPI returned %d for a rollup statement", rc);
	SPI_freeplan(plan);
}

/*
 * rollup_columns
 *		The n columns joined by separator, each written through format, in
 *		which every %1$s stands for the column's name.
 */
static char *
rollup_columns(const char *const *columns, int n, const char *format,
			   const char *separator)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, separator);
		appendStringInfo(&buf, format, columns[i]);
	}
	return buf.data;
}

/* rollup_columns over all the additive columns. */
static char *
rollup_list(const char *format, const char *separator)
{
	return rollup_columns(rollup_additive, ROLLUP_NADDITIVE, format,
						  separator);
}

/* rollup_columns over the columns of rollup_campaign_daily. */
static char *
rollup_campaign_list(const char *format, const char *separator)
{
	return rollup_columns(rollup_campaign_additive,
						  lengthof(rollup_campaign_additive), format,
						  separator);
}

/*
 * rollup_lists_sql
 *		The sorted lists joined by commas, each written through format, in
 *		which @C stands for the list's column, @V for the value a lead
 *		contributes and @W for when it contributes one.  (Not printf
 *		positions: the server's printf wants every argument used.)  With
 *		per_rep, only the lists rollup_rep_daily keeps.
 */
static char *
rollup_lists_sql(const char *format, bool per_rep)
{
	StringInfoData buf;
	int			i;
	const char *f;

	initStringInfo(&buf);
	for (i = 0; i < ROLLUP_NLISTS; i++)
	{
		if (per_rep && !rollup_lists[i].per_rep)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		for (f = format; *f != '\0'; f++)
		{
			if (f[0] == '@' && f[1] == 'C')
				appendStringInfoString(&buf, rollup_lists[i].column);
			else if (f[0] == '@' && f[1] == 'V')
				appendStringInfoString(&buf, rollup_lists[i].value);
			else if (f[0] == '@' && f[1] == 'W')
				appendStringInfoString(&buf, rollup_lists[i].when);
			else
			{
				appendStringInfoChar(&buf, *f);
				continue;
			}
			f++;
		}
	}
	return buf.data;
}

/*
 * leadflow_rollup_refresh
 *		Brings the rollups up to date: in full when asked or when the time
 *		zone changed, else from the logged changes.  Returns the number of
 *		buckets written or deleted (for a full refresh, of rows written);
 *		*message says when a full refresh was forced (allocated in the
 *		caller's memory context).  Expects a transaction with a snapshot;
 *		connects to SPI itself.
 */
int64
leadflow_rollup_refresh(bool full, char **message)
{
	const char *zone;
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;
	char	   *built_zone = NULL;
	int64		rows;

	SPI_connect();
	rollup_exec("LOCK TABLE leadflow.rollup_daily "
				"IN SHARE ROW EXCLUSIVE MODE",
				0, NULL, NULL, InvalidSnapshot, SPI_OK_UTILITY);

	/*
	 * A job worker may have waited for the lock across a reload, and
	 * another refresh may have rebuilt the rollups in the new zone
	 * meanwhile: refreshing in the zone the worker started with would
	 * undo that rebuild, and the two would flap.  So the zone is read
	 * only now, after any pending reload.  (A backend applies reloads
	 * between statements, as for every other setting.)
	 */
	if (IsBackgroundWorker && ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
	zone = leadflow_rollup_time_zone;

	rollup_exec("SELECT time_zone FROM leadflow.rollup_state",
				0, NULL, NULL, InvalidSnapshot, SPI_OK_SELECT);
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
				full ? 1 : 0, types, values, InvalidSnapshot, SPI_OK_UPDATE);
	SPI_finish();
	return rows;
}

/*
 * rollup_full
 *		Drops the change log and every rollup row, then computes all
 *		buckets again (of rollup_daily, rollup_rep_daily and
 *		rollup_campaign_daily, all from the leads), in one snapshot: a
 *		change committed after it stays in the log and is applied by the
 *		next refresh, one committed before it is in the leads and gone
 *		from the log.
 *		Returns the number of rows written.
 */
static int64
rollup_full(const char *zone)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	Snapshot	snapshot;
	int64		rows;

	values[0] = CStringGetTextDatum(zone);
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	rollup_exec("DELETE FROM leadflow.rollup_delta",
				0, NULL, NULL, snapshot, SPI_OK_DELETE);
	rollup_exec("DELETE FROM leadflow.rollup_daily",
				0, NULL, NULL, snapshot, SPI_OK_DELETE);
	rollup_exec(psprintf(ROLLUP_FULL_SQL, rollup_list("%s", ", "),
						 rollup_lists_sql("@C", false),
						 rollup_lists_sql("array_agg(@V ORDER BY @V) "
										  "FILTER (WHERE @W)", false)),
				1, types, values, snapshot, SPI_OK_INSERT);
	rows = SPI_processed;

	/*
	 * The rep rollup, from the leads in the same snapshot rather than from
	 * the rows just written (which that snapshot does not see): the same
	 * aggregates grouped by day and rep.
	 */
	rollup_exec("DELETE FROM leadflow.rollup_rep_daily",
				0, NULL, NULL, snapshot, SPI_OK_DELETE);
	rollup_exec(psprintf(ROLLUP_REP_FULL_SQL, rollup_list("%s", ", "),
						 rollup_lists_sql("@C", true),
						 rollup_lists_sql("array_agg(@V ORDER BY @V) "
										  "FILTER (WHERE @W)", true)),
				1, types, values, snapshot, SPI_OK_INSERT);

	/* The campaign rollup likewise, grouped by day, campaign, channel. */
	rollup_exec("DELETE FROM leadflow.rollup_campaign_daily",
				0, NULL, NULL, snapshot, SPI_OK_DELETE);
	rollup_exec(psprintf(ROLLUP_CAMPAIGN_FULL_SQL, rollup_list("%s", ", "),
						 rollup_campaign_list("%s", ", ")),
				1, types, values, snapshot, SPI_OK_INSERT);

	/* The escalation rollup, from the ledger in the same snapshot. */
	rollup_exec("DELETE FROM leadflow.rollup_escalation_delta",
				0, NULL, NULL, snapshot, SPI_OK_DELETE);
	rollup_exec("DELETE FROM leadflow.rollup_escalation_daily",
				0, NULL, NULL, snapshot, SPI_OK_DELETE);
	rollup_exec(ROLLUP_ESCALATION_FULL_SQL,
				1, types, values, snapshot, SPI_OK_INSERT);
	UnregisterSnapshot(snapshot);
	return rows;
}

/*
 * rollup_incremental
 *		Applies the logged changes the statement's snapshot sees and
 *		removes them from the log, into the three lead rollups in one
 *		statement.
 *		Returns the number of buckets of rollup_daily written (a bucket
 *		emptied by deletes is deleted instead and not counted).
 */
static int64
rollup_incremental(const char *zone)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	char	   *sql;
	char	   *rep_ctes;
	char	   *campaign_ctes;
	int64		rows;

	values[0] = CStringGetTextDatum(zone);
	rep_ctes = psprintf(ROLLUP_REP_DELTA_SQL,
						rollup_list("%s", ", "),
						rollup_lists_sql(ROLLUP_LIST_NAMES, true),
						rollup_lists_sql(ROLLUP_LIST_CHANGES, true),
						rollup_list(ROLLUP_ADD, ", "),
						rollup_lists_sql(ROLLUP_LIST_MERGE, true),
						rollup_list("%s", ", "),
						rollup_lists_sql("@C", true),
						rollup_list("%s", ", "),
						rollup_lists_sql("@C", true),
						rollup_list(ROLLUP_SET, ", "),
						rollup_lists_sql("@C = excluded.@C", true));
	campaign_ctes = psprintf(ROLLUP_CAMPAIGN_DELTA_SQL,
							 rollup_list("%s", ", "),
							 rollup_campaign_list("%s", ", "),
							 rollup_campaign_list("%1$s = r.%1$s + "
												  "excluded.%1$s", ", "));
	sql = psprintf(ROLLUP_DELTA_SQL,
				   rollup_list("%s", ", "),
				   rollup_lists_sql(ROLLUP_LIST_NAMES, false),
				   rollup_lists_sql(ROLLUP_LIST_CHANGES, false),
				   rollup_list(ROLLUP_ADD, ", "),
				   rollup_lists_sql(ROLLUP_LIST_MERGE, false),
				   psprintf("%s, %s", rep_ctes, campaign_ctes),
				   rollup_list("%s", ", "),
				   rollup_lists_sql("@C", false),
				   rollup_list("%s", ", "),
				   rollup_lists_sql("@C", false),
				   rollup_list(ROLLUP_SET, ", "),
				   rollup_lists_sql("@C = excluded.@C", false));
	rollup_exec(sql, 1, types, values, InvalidSnapshot, SPI_OK_INSERT);
	rows = SPI_processed;
	rollup_exec(ROLLUP_CAMPAIGN_EMPTY_SQL, 0, NULL, NULL, InvalidSnapshot,
				SPI_OK_DELETE);

	/* The escalation rollup: add the ledger's changes, drop empty rows. */
	rollup_exec(ROLLUP_ESCALATION_DELTA_SQL, 1, types, values,
				InvalidSnapshot, SPI_OK_INSERT);
	rollup_exec(ROLLUP_ESCALATION_EMPTY_SQL, 0, NULL, NULL,
				InvalidSnapshot, SPI_OK_DELETE);
	return rows;
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
