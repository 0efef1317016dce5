/*-------------------------------------------------------------------------
 *
 * extension/calendar.c
 *		Working calendars inside the server: the per-backend cache, the C
 *		API of calendar.h, the SQL functions leadflow.business_seconds,
 *		business_add and business_is_working, and the triggers that
 *		validate calendars and invalidate the cache.
 *
 * The arithmetic lives in business_time.c; this file feeds it the three
 * calendar tables and PostgreSQL's time-zone code (pg_next_dst_boundary
 * gives the offset in force and the instant it changes).
 *
 * Shared state and lifetimes.  Each backend has a hash table of loaded
 * calendars in CacheMemoryContext, one memory context per calendar.  A
 * statement-level trigger on each calendar table registers a relcache
 * invalidation of leadflow.calendar; PostgreSQL delivers it to this
 * backend at the end of the statement and to every other backend once
 * the transaction commits (or, on abort, replays it locally so nothing
 * built from rolled-back rows survives).  Our relcache callback then
 * empties the hash.  Dropped calendars are not freed at once, because a
 * caller may still hold a pointer returned earlier in the transaction:
 * their contexts move to a "retired" context that a transaction callback
 * empties when the transaction ends.  So that a backend inside a long
 * transaction also sees changes committed by others, the first call of
 * each statement reads pending invalidation messages.
 *
 * Calendars are read like catalog data, with a fresh snapshot taken after
 * those messages were read: the latest committed rows plus this
 * transaction's own earlier changes, whatever the isolation level.  A
 * transaction snapshot could predate a change whose invalidation was
 * already consumed, and the cache would keep the old rows for good.  In
 * parallel mode no fresh snapshot may be taken; a calendar loaded then
 * is dropped again at the next statement.
 *
 * Validation reads the same way, after locking the calendar's row, so
 * that two transactions changing one calendar's ranges at once are
 * checked one after the other.
 *
 * The tables are read through SPI as the owner of leadflow.calendar, in a
 * security-restricted operation with every operator schema-qualified, so
 * the caller needs no privilege on them and its search_path cannot
 * redirect the queries.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "business_time.h"
#include "calendar.h"
#include "owner.h"

/* Seconds from 1970-01-01 (pg_time_t) to 2000-01-01 (TimestampTz). */
#define CALENDAR_UNIX_TO_2000 \
	((pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

/* More rows than this in one calendar is a mistake, not a calendar. */
#define CALENDAR_MAX_ROWS	1000000

StaticAssertDecl(LF_BT_MIN_INSTANT == MIN_TIMESTAMP,
				 "LF_BT_MIN_INSTANT differs from MIN_TIMESTAMP");
StaticAssertDecl(LF_BT_END_INSTANT == END_TIMESTAMP,
				 "LF_BT_END_INSTANT differs from END_TIMESTAMP");

struct LeadflowCalendar
{
	int32		calendar_id;
	char	   *name;
	LfBtZone	zone;			/* arg is the pg_tz, which lives forever */
	LfBtSchedule *schedule;
	MemoryContext mcxt;			/* holds this struct and all it points to */
};

typedef struct CalendarCacheEntry
{
	int32		calendar_id;	/* hash key */
	LeadflowCalendar *calendar;
} CalendarCacheEntry;

/* The rows of one calendar, as read from the tables. */
typedef struct CalendarConfig
{
	char	   *name;
	char	   *time_zone;
	bool		overnight;
	int			nranges;
	LfBtRange  *ranges;
	int			nholidays;
	int32	   *holidays;
} CalendarConfig;

static HTAB *calendar_cache = NULL;
static LeadflowCalendar *calendar_last = NULL;
static MemoryContext calendar_retired = NULL;
static Oid	calendar_relid = InvalidOid;
static uint64 calendar_flushes = 0;
static bool calendar_provisional = false;
static bool calendar_callbacks_set = false;
static LocalTransactionId calendar_seen_lxid = InvalidLocalTransactionId;
static TimestampTz calendar_seen_statement = 0;

static const char *const calendar_day_names[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};

PG_FUNCTION_INFO_V1(leadflow_business_seconds);
PG_FUNCTION_INFO_V1(leadflow_business_add);
PG_FUNCTION_INFO_V1(leadflow_business_is_working);
PG_FUNCTION_INFO_V1(leadflow_calendar_check);
PG_FUNCTION_INFO_V1(leadflow_calendar_hours_check);
PG_FUNCTION_INFO_V1(leadflow_calendar_hours_check_overlap);
PG_FUNCTION_INFO_V1(leadflow_calendar_holiday_check);
PG_FUNCTION_INFO_V1(leadflow_calendar_invalidate);

/* ---------------------------------------------------------------------
 * Time zones
 * ---------------------------------------------------------------------
 */

/*
 * calendar_zone_lookup
 *		LfBtZone lookup over a pg_tz: the offset in force at the instant
 *		and the next transition PostgreSQL knows, extrapolated by its own
 *		rules past the end of the tz database's table.  Also the place
 *		where a long walk over many transitions can be cancelled.
 */
static LfBtStatus
calendar_zone_lookup(void *arg, int64_t instant, LfBtZoneSpan *span)
{
	const pg_tz *tz = arg;
	pg_time_t	t;
	pg_time_t	boundary;
	long		before_offset;
	long		after_offset;
	int			before_isdst;
	int			after_isdst;
	int			found;

	CHECK_FOR_INTERRUPTS();

	/* Whole seconds, rounded down also before 2000. */
	t = instant / USECS_PER_SEC - (instant % USECS_PER_SEC < 0) +
		CALENDAR_UNIX_TO_2000;
	found = pg_next_dst_boundary(&t, &before_offset, &before_isdst,
								 &boundary, &after_offset, &after_isdst, tz);
	if (found < 0)
		return LF_BT_ZONE_FAILED;

	span->utc_offset = (int32_t) before_offset;
	span->until = LF_BT_FOREVER;
	if (found > 0 &&
		boundary - CALENDAR_UNIX_TO_2000 < END_TIMESTAMP / USECS_PER_SEC)
		span->until = (boundary - CALENDAR_UNIX_TO_2000) * USECS_PER_SEC;
	return LF_BT_OK;
}

/*
 * calendar_zone_listed
 *		Whether a zone name is in the time-zone database itself, compared
 *		without regard to case.  Walks the database, so it is slow; used
 *		only for names that could also be read as a POSIX zone rule.
 */
static bool
calendar_zone_listed(const char *name)
{
	pg_tzenum  *walk = pg_tzenumerate_start();
	pg_tz	   *tz;
	bool		listed = false;

	while (!listed && (tz = pg_tzenumerate_next(walk)) != NULL)
		listed = pg_strcasecmp(pg_get_timezone_name(tz), name) == 0;
	pg_tzenumerate_end(walk);
	return listed;
}

/*
 * calendar_find_zone
 *		The pg_tz of a time-zone name, or ERROR when it is not recognized.
 *		PostgreSQL would also read a POSIX rule such as "UTC+3", which
 *		means three hours west of UTC, the opposite of what most people who
 *		type it expect.  When strict (checking a new row), such rules are
 *		refused: every one holds a digit, so a name with a digit must be
 *		listed in the tz database (as "Etc/GMT+3" and "EST5EDT" are).
 *		Loading a stored calendar skips that slow walk.
 */
static pg_tz *
calendar_find_zone(const char *name, bool strict)
{
	pg_tz	   *tz = NULL;

	if (name[0] != '\0')
		tz = pg_tzset(name);
	if (tz != NULL && !pg_tz_acceptable(tz))
		tz = NULL;
	if (tz != NULL && strict && strpbrk(name, "0123456789") != NULL &&
		!calendar_zone_listed(name))
		tz = NULL;

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" is not recognized", name),
				 errhint("Use a name listed in pg_timezone_names, such as \"Europe/Berlin\".")));
	return tz;
}

/* ---------------------------------------------------------------------
 * Reading the tables
 * ---------------------------------------------------------------------
 */

/*
 * calendar_relation
 *		OID of leadflow.calendar, looked up once per backend (and again
 *		after the relation is invalidated, in case it was recreated).
 */
static Oid
calendar_relation(void)
{
	if (!OidIsValid(calendar_relid))
	{
		Oid			nsp = get_namespace_oid("leadflow", false);

		calendar_relid = get_relname_relid("calendar", nsp);
		if (!OidIsValid(calendar_relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"leadflow.calendar\" does not exist"),
					 errhint("Install leadflow with CREATE EXTENSION leadflow.")));
	}
	return calendar_relid;
}

/*
 * calendar_query
 *		Runs one SELECT about a calendar inside an SPI connection and
 *		returns the row count.  Reads pass read_only, so SPI uses the
 *		snapshot calendar_read pushed; only the row lock needs false.
 */
static int
calendar_query(const char *sql, int32 calendar_id, bool read_only)
{
	Oid			argtype = INT4OID;
	Datum		arg = Int32GetDatum(calendar_id);
	int			rc;

	rc = SPI_execute_with_args(sql, 1, &argtype, &arg, NULL, read_only, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read calendar %d: %s", calendar_id,
			 SPI_result_code_string(rc));
	if (SPI_processed > CALENDAR_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("calendar %d has more than %d rows of hours or holidays",
						calendar_id, CALENDAR_MAX_ROWS)));
	return (int) SPI_processed;
}

/*
 * calendar_read_head
 *		Reads name, time zone and overnight flag into cfg (allocated in
 *		mcxt).  Returns false when the calendar does not exist.
 */
static bool
calendar_read_head(int32 calendar_id, MemoryContext mcxt,
				   CalendarConfig *cfg)
{
	TupleDesc	desc;
	HeapTuple	row;
	bool		isnull;
	MemoryContext old;

	if (calendar_query("SELECT name, time_zone, overnight"
					   " FROM leadflow.calendar"
					   " WHERE calendar_id OPERATOR(pg_catalog.=) $1",
					   calendar_id, true) == 0)
		return false;

	desc = SPI_tuptable->tupdesc;
	row = SPI_tuptable->vals[0];
	old = MemoryContextSwitchTo(mcxt);
	cfg->name = TextDatumGetCString(SPI_getbinval(row, desc, 1, &isnull));
	cfg->time_zone = TextDatumGetCString(SPI_getbinval(row, desc, 2, &isnull));
	cfg->overnight = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * calendar_read_hours
 *		Reads the weekly ranges into cfg (allocated in mcxt), ordered by
 *		weekday and opening time.  Columns are NOT NULL.
 */
static void
calendar_read_hours(int32 calendar_id, MemoryContext mcxt,
					CalendarConfig *cfg)
{
	int			n;
	int			i;

	n = calendar_query("SELECT weekday, opens, closes"
					   " FROM leadflow.calendar_hours"
					   " WHERE calendar_id OPERATOR(pg_catalog.=) $1"
					   " ORDER BY weekday, opens",
					   calendar_id, true);

	cfg->nranges = n;
	cfg->ranges = MemoryContextAllocZero(mcxt, sizeof(LfBtRange) * (n + 1));
	for (i = 0; i < n; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		cfg->ranges[i].weekday =
			DatumGetInt16(SPI_getbinval(row, desc, 1, &isnull));
		cfg->ranges[i].opens =
			DatumGetTimeADT(SPI_getbinval(row, desc, 2, &isnull));
		cfg->ranges[i].closes =
			DatumGetTimeADT(SPI_getbinval(row, desc, 3, &isnull));
	}
}

/*
 * calendar_read_holidays
 *		Reads the holidays into cfg (allocated in mcxt).
 */
static void
calendar_read_holidays(int32 calendar_id, MemoryContext mcxt,
					   CalendarConfig *cfg)
{
	int			n;
	int			i;

	n = calendar_query("SELECT holiday FROM leadflow.calendar_holiday"
					   " WHERE calendar_id OPERATOR(pg_catalog.=) $1",
					   calendar_id, true);

	cfg->nholidays = n;
	cfg->holidays = MemoryContextAllocZero(mcxt, sizeof(int32) * (n + 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		cfg->holidays[i] = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc,
														 1, &isnull));
	}
}

/*
 * calendar_read
 *		Reads one calendar's rows into cfg, allocated in the caller's
 *		memory context; holidays only when asked.  Returns false when the
 *		calendar does not exist.
 *
 *		For a check (called from a trigger), the calendar's row is locked
 *		first, and the current statement's own changes are made visible.
 *		The rows are then read with a fresh snapshot, or with the active
 *		one in parallel mode, in which case *provisional is set.
 *
 *		Runs as the owner of leadflow.calendar in a security-restricted
 *		operation; an error restores the caller's identity through
 *		transaction abort, and the snapshot stack likewise.
 */
static bool
calendar_read(int32 calendar_id, bool for_check, bool with_holidays,
			  CalendarConfig *cfg, bool *provisional)
{
	MemoryContext mcxt = CurrentMemoryContext;
	bool		fresh = !IsInParallelMode();
	LeadflowSavedUser saved;
	bool		found;

	memset(cfg, 0, sizeof(CalendarConfig));
	leadflow_become_owner(calendar_relation(), &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI to read calendar %d",
			 calendar_id);

	/* Changes to one calendar are checked one transaction at a time. */
	if (for_check)
	{
		(void) calendar_query("SELECT FROM leadflow.calendar"
							  " WHERE calendar_id OPERATOR(pg_catalog.=) $1"
							  " FOR NO KEY UPDATE",
							  calendar_id, false);
		CommandCounterIncrement();
	}
	if (fresh)
		PushActiveSnapshot(GetLatestSnapshot());

	found = calendar_read_head(calendar_id, mcxt, cfg);
	if (found)
		calendar_read_hours(calendar_id, mcxt, cfg);
	if (found && with_holidays)
		calendar_read_holidays(calendar_id, mcxt, cfg);

	if (fresh)
		PopActiveSnapshot();
	SPI_finish();
	leadflow_restore_user(&saved);
	if (provisional)
		*provisional = !fresh;
	return found;
}

/* ---------------------------------------------------------------------
 * Messages about ranges
 * ---------------------------------------------------------------------
 */

/*
 * calendar_format_time
 *		A time of day as HH:MM, with seconds and microseconds only when
 *		they are not zero; 24:00 stays 24:00.
 */
static char *
calendar_format_time(int64 usecs)
{
	int64		secs = usecs / USECS_PER_SEC;
	int			frac = (int) (usecs % USECS_PER_SEC);
	int			h = (int) (secs / SECS_PER_HOUR);
	int			m = (int) (secs / SECS_PER_MINUTE % MINS_PER_HOUR);
	int			s = (int) (secs % SECS_PER_MINUTE);

	if (frac != 0)
		return psprintf("%02d:%02d:%02d.%06d", h, m, s, frac);
	if (s != 0)
		return psprintf("%02d:%02d:%02d", h, m, s);
	return psprintf("%02d:%02d", h, m);
}

/*
 * calendar_format_range
 *		A range as "Monday 09:00-17:00".
 */
static char *
calendar_format_range(const LfBtRange *range)
{
	const char *day = "?";

	if (range->weekday >= 1 && range->weekday <= 7)
		day = calendar_day_names[range->weekday - 1];
	return psprintf("%s %s-%s", day, calendar_format_time(range->opens),
					calendar_format_time(range->closes));
}

/*
 * calendar_report_ranges
 *		Raises the ERROR for a status of leadflow_bt_check_ranges about the
 *		ranges of the named calendar.  Returns only for LF_BT_OK.
 */
static void
calendar_report_ranges(const char *name, LfBtStatus status,
					   const LfBtRange *ranges, int first, int second)
{
	switch (status)
	{
		case LF_BT_OK:
			return;
		case LF_BT_CLOSES_NOT_AFTER_OPENS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("working range %s of calendar \"%s\" does not close after it opens",
							calendar_format_range(&ranges[first]), name),
					 errdetail("Only an overnight calendar lets a range close on the next day."),
					 errhint("Write 24:00 for midnight, or mark the calendar overnight.")));
			break;
		case LF_BT_BAD_OPENS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("working range %s of calendar \"%s\" opens at 24:00",
							calendar_format_range(&ranges[first]), name),
					 errdetail("A range must open before 24:00 on the day it belongs to."),
					 errhint("Let the range open at 00:00 on the next day instead.")));
			break;
		case LF_BT_OVERLAP:
			ereport(ERROR,
					(errcode(ERRCODE_EXCLUSION_VIOLATION),
					 errmsg("working ranges of calendar \"%s\" overlap", name),
					 errdetail("Range %s overlaps range %s.",
							   calendar_format_range(&ranges[first]),
							   calendar_format_range(&ranges[second])),
					 errhint("Merge the two ranges, or shorten one so that they only touch.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("working range %s of calendar \"%s\" is out of range",
							calendar_format_range(&ranges[Max(first, 0)]),
							name)));
	}
}

/* ---------------------------------------------------------------------
 * The cache
 * ---------------------------------------------------------------------
 */

/*
 * calendar_retired_context
 *		The context that keeps dropped calendars alive until the end of
 *		the transaction.
 */
static MemoryContext
calendar_retired_context(void)
{
	if (calendar_retired == NULL)
		calendar_retired = AllocSetContextCreate(CacheMemoryContext,
												 "leadflow retired calendars",
												 ALLOCSET_SMALL_SIZES);
	return calendar_retired;
}

/*
 * calendar_flush
 *		Empties the cache; the calendars retire until the transaction ends.
 *		Runs inside invalidation processing, so it must not read catalogs.
 */
static void
calendar_flush(void)
{
	HASH_SEQ_STATUS walk;
	CalendarCacheEntry *entry;

	calendar_flushes++;
	calendar_provisional = false;
	calendar_last = NULL;
	if (calendar_cache == NULL)
		return;

	hash_seq_init(&walk, calendar_cache);
	while ((entry = hash_seq_search(&walk)) != NULL)
		MemoryContextSetParent(entry->calendar->mcxt,
							   calendar_retired_context());
	hash_destroy(calendar_cache);
	calendar_cache = NULL;
}

/*
 * calendar_relcache_callback
 *		Relcache invalidation callback: drops the cache when
 *		leadflow.calendar is invalidated, or all relations are.
 */
static void
calendar_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == calendar_relid)
	{
		calendar_relid = InvalidOid;
		calendar_flush();
	}
}

/*
 * calendar_xact_callback
 *		Frees the retired calendars when the transaction ends.
 */
static void
calendar_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			if (calendar_retired != NULL)
				MemoryContextReset(calendar_retired);
			break;
		default:
			break;
	}
}

/*
 * calendar_catch_up
 *		Once per statement, reads pending invalidation messages, so that a
 *		backend in the middle of a transaction sees calendar changes other
 *		backends committed before its current statement.  Also registers
 *		the callbacks on first use.
 */
static void
calendar_catch_up(void)
{
	LocalTransactionId lxid = MyProc->lxid;
	TimestampTz statement = GetCurrentStatementStartTimestamp();

	if (!calendar_callbacks_set)
	{
		CacheRegisterRelcacheCallback(calendar_relcache_callback, (Datum) 0);
		RegisterXactCallback(calendar_xact_callback, NULL);
		calendar_callbacks_set = true;
	}

	if (lxid == calendar_seen_lxid && statement == calendar_seen_statement)
		return;
	calendar_seen_lxid = lxid;
	calendar_seen_statement = statement;
	if (calendar_provisional && !IsInParallelMode())
		calendar_flush();
	AcceptInvalidationMessages();
}

/*
 * calendar_load
 *		Reads and builds one calendar in a new memory context that is a
 *		child of TopTransactionContext, so that an error anywhere frees it;
 *		the caller moves it into the cache.  Sets *provisional as
 *		calendar_read does.  ERROR when the calendar does not exist or its
 *		rows cannot be used.
 */
static LeadflowCalendar *
calendar_load(int32 calendar_id, bool *provisional)
{
	MemoryContext mcxt;
	MemoryContext old;
	LeadflowCalendar *cal;
	CalendarConfig cfg;
	LfBtStatus	status;
	size_t		size;
	void	   *mem;
	int			first;
	int			second;

	mcxt = AllocSetContextCreate(TopTransactionContext, "leadflow calendar",
								 ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(mcxt);

	if (!calendar_read(calendar_id, false, true, &cfg, provisional))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("calendar %d does not exist", calendar_id)));

	cal = palloc0(sizeof(LeadflowCalendar));
	cal->calendar_id = calendar_id;
	cal->name = cfg.name;
	cal->mcxt = mcxt;
	cal->zone.lookup = calendar_zone_lookup;
	cal->zone.arg = calendar_find_zone(cfg.time_zone, false);

	/* Rows loaded with triggers disabled may still break the rules. */
	status = leadflow_bt_check_ranges(cfg.ranges, cfg.nranges, cfg.overnight,
									  &first, &second);
	calendar_report_ranges(cfg.name, status, cfg.ranges, first, second);

	size = leadflow_bt_schedule_size(cfg.nranges, cfg.nholidays);
	mem = palloc(size);
	status = leadflow_bt_schedule_build(mem, size, cfg.ranges, cfg.nranges,
										cfg.overnight, cfg.holidays,
										cfg.nholidays, &cal->schedule);
	if (status != LF_BT_OK)
		elog(ERROR, "could not build calendar %d: status %d", calendar_id,
			 (int) status);

	MemoryContextSwitchTo(old);
	return cal;
}

/*
 * calendar_remember
 *		Puts a freshly loaded calendar into the cache, unless the cache was
 *		flushed while it loaded: then its rows may already be stale for
 *		later statements, so it only serves the current transaction and is
 *		freed with it.  A provisional calendar marks the cache to be
 *		dropped at the next statement.
 */
static void
calendar_remember(LeadflowCalendar *cal, uint64 flushes_before,
				  bool provisional)
{
	CalendarCacheEntry *entry;
	bool		found;

	if (calendar_flushes != flushes_before)
		return;
	if (provisional)
		calendar_provisional = true;

	if (calendar_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int32);
		ctl.entrysize = sizeof(CalendarCacheEntry);
		ctl.hcxt = CacheMemoryContext;
		calendar_cache = hash_create("leadflow calendars", 16, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	/* Enter first: if that fails, the context still dies with the xact. */
	entry = hash_search(calendar_cache, &cal->calendar_id, HASH_ENTER, &found);
	entry->calendar = cal;
	MemoryContextSetParent(cal->mcxt, CacheMemoryContext);
	calendar_last = cal;
}

/*
 * leadflow_calendar_get
 *		See calendar.h.  The hot path is the one-entry memo of the last
 *		calendar, then the hash table; no table is read once cached.
 */
const LeadflowCalendar *
leadflow_calendar_get(int32 calendar_id)
{
	CalendarCacheEntry *entry;
	LeadflowCalendar *cal;
	uint64		flushes_before;
	bool		provisional = false;

	calendar_catch_up();

	if (calendar_last != NULL && calendar_last->calendar_id == calendar_id)
		return calendar_last;
	if (calendar_cache != NULL)
	{
		entry = hash_search(calendar_cache, &calendar_id, HASH_FIND, NULL);
		if (entry != NULL)
		{
			calendar_last = entry->calendar;
			return calendar_last;
		}
	}

	/* Resolve the relation first: its lookup may itself flush the cache. */
	(void) calendar_relation();
	flushes_before = calendar_flushes;
	cal = calendar_load(calendar_id, &provisional);
	calendar_remember(cal, flushes_before, provisional);
	return cal;
}

/* ---------------------------------------------------------------------
 * Business time
 * ---------------------------------------------------------------------
 */

/*
 * calendar_require_finite
 *		ERROR unless the timestamp is finite.
 */
static void
calendar_require_finite(TimestampTz t)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("business time cannot be measured at an infinite timestamp")));
}

/*
 * calendar_zone_failed
 *		ERROR for a zone lookup that broke its promises; PostgreSQL's time
 *		zone code does not fail, so this is an internal error.
 */
static void
calendar_zone_failed(const LeadflowCalendar *cal)
{
	elog(ERROR, "time-zone lookup failed for calendar %d", cal->calendar_id);
}

/*
 * calendar_usecs_to_add
 *		The number of seconds to add, in microseconds; ERROR for negative,
 *		NaN and out-of-range amounts.
 */
static int64
calendar_usecs_to_add(double seconds)
{
	int64_t		usecs = 0;

	switch (leadflow_bt_usecs_from_seconds(seconds, &usecs))
	{
		case LF_BT_OK:
			break;
		case LF_BT_NEGATIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("number of business seconds to add must not be negative"),
					 errdetail("The number given was %g; business time is only added forward.",
							   seconds)));
			break;
		case LF_BT_NOT_A_NUMBER:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("number of business seconds to add must not be NaN")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("number of business seconds to add is out of range"),
					 errdetail("The number given was %g.", seconds)));
	}
	return usecs;
}

/*
 * leadflow_calendar_has_hours
 *		Whether the calendar has any working time in its week; adding
 *		business time on one that has none is refused.
 */
bool
leadflow_calendar_has_hours(const LeadflowCalendar *cal)
{
	return leadflow_bt_week_total(cal->schedule) > 0;
}

/*
 * leadflow_calendar_add
 *		See calendar.h.
 */
TimestampTz
leadflow_calendar_add(const LeadflowCalendar *cal, TimestampTz from,
					  double seconds)
{
	int64		usecs = calendar_usecs_to_add(seconds);
	int64_t		result = 0;

	if (TIMESTAMP_NOT_FINITE(from))
		return from;

	switch (leadflow_bt_add(cal->schedule, &cal->zone, from, usecs, &result))
	{
		case LF_BT_OK:
			break;
		case LF_BT_NO_WORKING_TIME:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("calendar \"%s\" has no working hours",
							cal->name),
					 errdetail("Business time cannot advance on a calendar without working ranges."),
					 errhint("Add working ranges for calendar %d to leadflow.calendar_hours.",
							 cal->calendar_id)));
			break;
		case LF_BT_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("result of adding %g business seconds to %s is out of range",
							seconds, timestamptz_to_str(from))));
			break;
		default:
			calendar_zone_failed(cal);
	}
	return (TimestampTz) result;
}

/*
 * leadflow_calendar_seconds
 *		See calendar.h.
 */
double
leadflow_calendar_seconds(const LeadflowCalendar *cal, TimestampTz from,
						  TimestampTz to)
{
	int64_t		usecs = 0;

	calendar_require_finite(from);
	calendar_require_finite(to);

	switch (leadflow_bt_seconds(cal->schedule, &cal->zone, from, to, &usecs))
	{
		case LF_BT_OK:
			break;
		case LF_BT_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("business time between %s and %s is out of range",
							pstrdup(timestamptz_to_str(from)),
							pstrdup(timestamptz_to_str(to))),
					 errdetail("The span must be shorter than about 292,000 years.")));
			break;
		default:
			calendar_zone_failed(cal);
	}
	return (double) usecs / USECS_PER_SEC;
}

/*
 * leadflow_calendar_is_working
 *		See calendar.h.
 */
bool
leadflow_calendar_is_working(const LeadflowCalendar *cal, TimestampTz at)
{
	bool		working = false;

	calendar_require_finite(at);
	if (leadflow_bt_is_working(cal->schedule, &cal->zone, at, &working) !=
		LF_BT_OK)
		calendar_zone_failed(cal);
	return working;
}

/*
 * leadflow_business_seconds
 *		SQL: leadflow.business_seconds(calendar integer, "from" timestamptz,
 *		"to" timestamptz) returns double precision.  STRICT.
 */
Datum
leadflow_business_seconds(PG_FUNCTION_ARGS)
{
	const LeadflowCalendar *cal = leadflow_calendar_get(PG_GETARG_INT32(0));

	PG_RETURN_FLOAT8(leadflow_calendar_seconds(cal, PG_GETARG_TIMESTAMPTZ(1),
											   PG_GETARG_TIMESTAMPTZ(2)));
}

/*
 * leadflow_business_add
 *		SQL: leadflow.business_add(calendar integer, "from" timestamptz,
 *		seconds double precision) returns timestamptz.  STRICT.
 */
Datum
leadflow_business_add(PG_FUNCTION_ARGS)
{
	const LeadflowCalendar *cal = leadflow_calendar_get(PG_GETARG_INT32(0));

	PG_RETURN_TIMESTAMPTZ(leadflow_calendar_add(cal, PG_GETARG_TIMESTAMPTZ(1),
												PG_GETARG_FLOAT8(2)));
}

/*
 * leadflow_business_is_working
 *		SQL: leadflow.business_is_working(calendar integer, "at"
 *		timestamptz) returns boolean.  STRICT.
 */
Datum
leadflow_business_is_working(PG_FUNCTION_ARGS)
{
	const LeadflowCalendar *cal = leadflow_calendar_get(PG_GETARG_INT32(0));

	PG_RETURN_BOOL(leadflow_calendar_is_working(cal,
												PG_GETARG_TIMESTAMPTZ(1)));
}

/* ---------------------------------------------------------------------
 * Triggers
 * ---------------------------------------------------------------------
 */

/*
 * calendar_trigger
 *		The TriggerData of a call, after checking the function was fired
 *		as its SQL definition says: a row trigger on INSERT or UPDATE,
 *		BEFORE or AFTER, or (row false) any statement-level trigger.
 */
static TriggerData *
calendar_trigger(FunctionCallInfo fcinfo, const char *fname, bool before,
				 bool row)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		(TRIGGER_FIRED_BEFORE(td->tg_event) != 0) != before ||
		(TRIGGER_FIRED_FOR_ROW(td->tg_event) != 0) != row ||
		(row && !TRIGGER_FIRED_BY_INSERT(td->tg_event) &&
		 !TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired %s", fname,
						!row ? "AFTER ... FOR EACH STATEMENT" :
						before ? "BEFORE INSERT OR UPDATE FOR EACH ROW" :
						"AFTER INSERT OR UPDATE FOR EACH ROW")));
	return td;
}

/*
 * calendar_new_row
 *		The row a row trigger is about: the new version on UPDATE.
 */
static HeapTuple
calendar_new_row(TriggerData *td)
{
	return TRIGGER_FIRED_BY_UPDATE(td->tg_event) ?
		td->tg_newtuple : td->tg_trigtuple;
}

/*
 * calendar_column
 *		A column of the trigger's row, by name.
 */
static Datum
calendar_column(TriggerData *td, HeapTuple row, const char *name,
				bool *isnull)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int			attnum = SPI_fnumber(desc, name);

	if (attnum <= 0)
		elog(ERROR, "table \"%s\" has no column \"%s\"",
			 RelationGetRelationName(td->tg_relation), name);
	return heap_getattr(row, attnum, desc, isnull);
}

/*
 * leadflow_calendar_check
 *		BEFORE INSERT OR UPDATE FOR EACH ROW on leadflow.calendar.  Refuses
 *		a time zone that is not recognized, and turning overnight off while
 *		the calendar has ranges that run past midnight.  NULLs are left to
 *		the NOT NULL constraints.
 */
Datum
leadflow_calendar_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = calendar_trigger(fcinfo, "calendar_check", true, true);
	HeapTuple	row = calendar_new_row(td);
	Datum		value;
	bool		isnull;
	bool		overnight;
	int32		calendar_id;
	CalendarConfig cfg;
	LfBtStatus	status;
	int			first;
	int			second;

	value = calendar_column(td, row, "time_zone", &isnull);
	if (!isnull)
		(void) calendar_find_zone(TextDatumGetCString(value), true);

	value = calendar_column(td, row, "overnight", &isnull);
	overnight = isnull || DatumGetBool(value);
	value = calendar_column(td, row, "calendar_id", &isnull);
	if (overnight || isnull || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(row);

	calendar_id = DatumGetInt32(value);
	if (!calendar_read(calendar_id, true, false, &cfg, NULL))
		return PointerGetDatum(row);

	status = leadflow_bt_check_ranges(cfg.ranges, cfg.nranges, false,
									  &first, &second);
	if (status == LF_BT_CLOSES_NOT_AFTER_OPENS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calendar \"%s\" has working ranges that run past midnight",
						cfg.name),
				 errdetail("Range %s closes at or before it opens.",
						   calendar_format_range(&cfg.ranges[first])),
				 errhint("Keep overnight set, or first split such ranges at midnight.")));
	calendar_report_ranges(cfg.name, status, cfg.ranges, first, second);
	return PointerGetDatum(row);
}

/*
 * leadflow_calendar_hours_check
 *		BEFORE INSERT OR UPDATE FOR EACH ROW on leadflow.calendar_hours.
 *		Refuses a range that opens at 24:00, or that does not close after
 *		it opens on a calendar that is not overnight.  NULLs, weekdays out
 *		of range and unknown calendars are left to the table's constraints.
 */
Datum
leadflow_calendar_hours_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = calendar_trigger(fcinfo, "calendar_hours_check",
									   true, true);
	HeapTuple	row = calendar_new_row(td);
	Datum		id;
	Datum		weekday;
	Datum		opens;
	Datum		closes;
	bool		nulls[4];
	CalendarConfig cfg;
	LfBtRange	range;
	LfBtStatus	status;
	int			first;

	id = calendar_column(td, row, "calendar_id", &nulls[0]);
	weekday = calendar_column(td, row, "weekday", &nulls[1]);
	opens = calendar_column(td, row, "opens", &nulls[2]);
	closes = calendar_column(td, row, "closes", &nulls[3]);
	if (nulls[0] || nulls[1] || nulls[2] || nulls[3])
		return PointerGetDatum(row);

	range.weekday = DatumGetInt16(weekday);
	range.opens = DatumGetTimeADT(opens);
	range.closes = DatumGetTimeADT(closes);
	if (range.weekday < 1 || range.weekday > 7 ||
		!calendar_read(DatumGetInt32(id), true, false, &cfg, NULL))
		return PointerGetDatum(row);

	status = leadflow_bt_check_ranges(&range, 1, cfg.overnight, &first, NULL);
	calendar_report_ranges(cfg.name, status, &range, first, -1);
	return PointerGetDatum(row);
}

/*
 * leadflow_calendar_hours_check_overlap
 *		AFTER INSERT OR UPDATE FOR EACH ROW constraint trigger on
 *		leadflow.calendar_hours.  Fires at the end of the statement (or at
 *		commit, when deferred), so it judges the calendar as the whole
 *		statement left it, whatever order the rows came in, and refuses
 *		ranges that share working time.
 */
Datum
leadflow_calendar_hours_check_overlap(PG_FUNCTION_ARGS)
{
	TriggerData *td = calendar_trigger(fcinfo, "calendar_hours_check_overlap",
									   false, true);
	HeapTuple	row = calendar_new_row(td);
	Datum		id;
	bool		isnull;
	CalendarConfig cfg;
	LfBtStatus	status;
	int			first;
	int			second;

	id = calendar_column(td, row, "calendar_id", &isnull);
	if (!isnull && calendar_read(DatumGetInt32(id), true, false, &cfg, NULL))
	{
		status = leadflow_bt_check_ranges(cfg.ranges, cfg.nranges,
										  cfg.overnight, &first, &second);
		calendar_report_ranges(cfg.name, status, cfg.ranges, first, second);
	}
	return PointerGetDatum(NULL);
}

/*
 * leadflow_calendar_holiday_check
 *		BEFORE INSERT OR UPDATE FOR EACH ROW on leadflow.calendar_holiday:
 *		refuses the dates infinity and -infinity.
 */
Datum
leadflow_calendar_holiday_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = calendar_trigger(fcinfo, "calendar_holiday_check",
									   true, true);
	HeapTuple	row = calendar_new_row(td);
	Datum		holiday;
	bool		isnull;

	holiday = calendar_column(td, row, "holiday", &isnull);
	if (!isnull && DATE_NOT_FINITE(DatumGetDateADT(holiday)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("holiday must be a finite date"),
				 errdetail("A holiday removes the working ranges of one local date.")));
	return PointerGetDatum(row);
}

/*
 * leadflow_calendar_invalidate
 *		AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE FOR EACH STATEMENT on
 *		the three calendar tables.  Registers a relcache invalidation of
 *		leadflow.calendar, which every backend's cache listens for; it
 *		takes effect here at the end of the statement and elsewhere at
 *		commit.
 */
Datum
leadflow_calendar_invalidate(PG_FUNCTION_ARGS)
{
	(void) calendar_trigger(fcinfo, "calendar_invalidate", false, false);
	CacheInvalidateRelcacheByRelid(calendar_relation());
	return PointerGetDatum(NULL);
}
