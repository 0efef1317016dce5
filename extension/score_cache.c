/*-------------------------------------------------------------------------
 *
 * extension/score_cache.c
 *		The tables behind the lead score: per-backend caches of
 *		leadflow.score_rule and leadflow.close_stats, the statement trigger
 *		that invalidates them everywhere, and the upkeep of close_stats.
 *
 * Lifetime and invalidation.  Each backend holds the active rules and all
 * close counts in two memory contexts under CacheMemoryContext.  Both
 * tables carry an AFTER ... FOR EACH STATEMENT trigger,
 * leadflow.config_changed(), that queues a relcache invalidation for the
 * table; it reaches this backend at the next command boundary and every
 * other backend when the transaction commits (and is undone locally if it
 * aborts).  A relcache callback registered on first use then marks the
 * matching cache stale; it only flips flags, never frees, so nothing a
 * scoring call is reading can vanish under it.  The next call of
 * leadflow_score_cache_ready reloads a stale cache.  Each scoring call
 * reads the shared invalidation queue, so a committed change reaches even
 * a transaction that is already running.
 *
 * A reload reads with the latest snapshot, not the transaction's: a
 * repeatable-read transaction that reloaded with its old snapshot would
 * otherwise keep a stale cache past the invalidation that asked for the
 * reload.  Changes that commit after that snapshot send their own
 * invalidation after they become visible, so they are never missed.  An
 * invalidation that arrives while a cache loads leaves it marked stale
 * (an invalidation counter is compared across the load), and a load that
 * fails leaves the old cache stale and its half-built successor in the
 * transaction's memory.
 *
 * Cache loads and leadflow_score_count_close run as the owner of the
 * table with a pinned search_path, so an application role that may insert
 * leads needs no privilege on these tables.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "owner.h"
#include "score.h"
#include "score_cache.h"

PG_FUNCTION_INFO_V1(leadflow_score_rebuild_close_stats);
PG_FUNCTION_INFO_V1(leadflow_score_count_close_sql);

/* A channel's counts; the key is a pointer to the channel's name. */
typedef struct ScoreChannelEntry
{
	const char *channel;
	LfScoreCounts counts;
} ScoreChannelEntry;

/* A campaign's counts. */
typedef struct ScoreCampaignEntry
{
	int32		campaign_id;
	LfScoreCounts counts;
} ScoreCampaignEntry;

/* Rule cache. */
static MemoryContext score_rules_cxt = NULL;
static LfScoreRule *score_rules = NULL;
static int	score_nrules = 0;
static bool score_rules_valid = false;
static uint64 score_rules_invals = 0;
static Oid	score_rules_relid = InvalidOid;

/* Close statistics cache. */
static MemoryContext score_stats_cxt = NULL;
static HTAB *score_channels = NULL;
static HTAB *score_campaigns = NULL;
static LfScoreCounts score_all = {0, 0};
static bool score_stats_valid = false;
static uint64 score_stats_invals = 0;
static Oid	score_stats_relid = InvalidOid;

static bool score_callback_registered = false;

/* Saved plans, prepared on first use. */
static SPIPlanPtr score_rules_plan = NULL;
static SPIPlanPtr score_stats_plan = NULL;
static SPIPlanPtr score_close_plan = NULL;

#define SCORE_RULES_QUERY \
	"SELECT rule_id, name, attribute, op, value, points" \
	" FROM leadflow.score_rule WHERE active ORDER BY rule_id"

#define SCORE_STATS_QUERY \
	"SELECT dimension, key, closed, won FROM leadflow.close_stats"

/*
 * The 'all' row goes first so that concurrent closes queue on it before
 * touching any other row, which keeps close_stats itself deadlock-free.
 * Counts never go below zero and wins never above closes, even when the
 * table was emptied (it is not dumped) while closed leads reopen.
 */
#define SCORE_CLOSE_QUERY \
	"INSERT INTO leadflow.close_stats AS s (dimension, key, closed, won)" \
	" SELECT v.dimension, v.key, GREATEST($3, 0)," \
	"  LEAST(GREATEST($4, 0), GREATEST($3, 0))" \
	" FROM (VALUES (1, 'all', ''), (2, 'channel', $1), (3, 'campaign', $2))" \
	"  AS v (n, dimension, key)" \
	" WHERE v.key IS NOT NULL ORDER BY v.n" \
	" ON CONFLICT (dimension, key) DO UPDATE SET" \
	"  closed = GREATEST(s.closed OPERATOR(pg_catalog.+) $3, 0)," \
	"  won = LEAST(GREATEST(s.won OPERATOR(pg_catalog.+) $4, 0)," \
	"   GREATEST(s.closed OPERATOR(pg_catalog.+) $3, 0))"

/*
 * Closed leads: those in the stages whose entry and exit the lead trigger
 * reports through leadflow_score_count_close.
 */
#define SCORE_CLOSED_STAGES "('won', 'lost', 'disqualified')"

#define SCORE_REBUILD_QUERY \
	"INSERT INTO leadflow.close_stats (dimension, key, closed, won)" \
	" SELECT 'all', '', count(*), count(*) FILTER (WHERE stage = 'won')" \
	"  FROM leadflow.lead WHERE stage IN " SCORE_CLOSED_STAGES \
	" UNION ALL" \
	" SELECT 'channel', channel, count(*)," \
	"  count(*) FILTER (WHERE stage = 'won')" \
	"  FROM leadflow.lead WHERE stage IN " SCORE_CLOSED_STAGES \
	"  AND channel IS NOT NULL GROUP BY channel" \
	" UNION ALL" \
	" SELECT 'campaign', campaign_id::text, count(*)," \
	"  count(*) FILTER (WHERE stage = 'won')" \
	"  FROM leadflow.lead WHERE stage IN " SCORE_CLOSED_STAGES \
	"  AND campaign_id IS NOT NULL GROUP BY campaign_id"

/*
 * score_relcache_callback
 *		Relcache invalidation callback: marks the cache of the named table
 *		stale, or both when every relation is invalidated (relid is
 *		InvalidOid).  May run at any point where invalidations are
 *		accepted, so it only sets flags.
 */
static void
score_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == score_rules_relid)
	{
		score_rules_valid = false;
		score_rules_invals++;
	}
	if (relid == InvalidOid || relid == score_stats_relid)
	{
		score_stats_valid = false;
		score_stats_invals++;
	}
}

/*
 * score_plan
 *		The saved plan for query, preparing and keeping it on first use.
 *		SPI must be connected.
 */
static SPIPlanPtr
score_plan(SPIPlanPtr *slot, const char *query, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan;

	if (*slot != NULL)
		return *slot;
	plan = SPI_prepare(query, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare score query: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep score query plan");
	*slot = plan;
	return plan;
}

/*
 * score_select_latest
 *		Runs a saved read-only plan with the latest snapshot.  SPI must be
 *		connected; the rows are in SPI_tuptable.
 */
static void
score_select_latest(SPIPlanPtr plan)
{
	int			rc;

	rc = SPI_execute_snapshot(plan, NULL, NULL, GetLatestSnapshot(),
							  InvalidSnapshot, true, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "score cache query failed: %s",
			 SPI_result_code_string(rc));
}

/*
 * score_text_column
 *		Column col of row i of SPI_tuptable as a C string in the current
 *		memory context, or NULL.
 */
static char *
score_text_column(int i, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, col);
}

/*
 * score_read_rule
 *		Fills *rule from row i of SPI_tuptable (columns of
 *		SCORE_RULES_QUERY), copying into cxt.  Returns false, with a
 *		WARNING, for a row the check trigger would have refused (possible
 *		only if it was bypassed); such a rule is skipped.
 */
static bool
score_read_rule(int i, LfScoreRule *rule, MemoryContext cxt)
{
	HeapTuple	row = SPI_tuptable->vals[i];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;
	Datum		value;
	Jsonb	   *jb;
	char	   *problem;
	char	   *name;
	char	   *attribute;

	rule->rule_id = DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull));
	value = SPI_getbinval(row, desc, 6, &isnull);
	rule->points = isnull ? 0 : DatumGetInt16(value);
	rule->op = leadflow_score_op_parse(score_text_column(i, 4));
	value = SPI_getbinval(row, desc, 5, &isnull);
	jb = isnull ? NULL : DatumGetJsonbP(value);

	problem = rule->op == LF_SCORE_OP_INVALID ?
		pstrdup("Its operator is not recognized.") :
		leadflow_score_rule_problem(rule->op, jb);
	if (problem != NULL)
	{
		ereport(WARNING,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("score rule %d is ignored", rule->rule_id),
				 errdetail_internal("%s", problem),
				 errhint("Correct the rule with UPDATE leadflow.score_rule.")));
		return false;
	}

	name = score_text_column(i, 2);
	attribute = score_text_column(i, 3);
	rule->name = MemoryContextStrdup(cxt, name ? name : "");
	rule->attribute = MemoryContextStrdup(cxt, attribute ? attribute : "");
	rule->attribute_len = strlen(rule->attribute);
	leadflow_score_rule_set_value(rule, jb, cxt);
	return true;
}

/*
 * score_load_rules
 *		Replaces the rule cache with the active rows of score_rule, in
 *		rule_id order.
 */
static void
score_load_rules(void)
{
	uint64		invals_before = score_rules_invals;
	MemoryContext cxt;
	LeadflowSavedUser saved;
	LfScoreRule *rules;
	int			nrules = 0;
	uint64		i;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "leadflow score rules",
								ALLOCSET_SMALL_SIZES);
	score_rules_relid = leadflow_table("score_rule");

	leadflow_become_owner(score_rules_relid, &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	score_select_latest(score_plan(&score_rules_plan, SCORE_RULES_QUERY,
								   0, NULL));
	rules = MemoryContextAllocZero(cxt, sizeof(LfScoreRule) *
								   Max(SPI_processed, 1));
	for (i = 0; i < SPI_processed; i++)
		if (score_read_rule((int) i, &rules[nrules], cxt))
			nrules++;
	SPI_finish();
	leadflow_restore_user(&saved);

	MemoryContextSetParent(cxt, CacheMemoryContext);
	if (score_rules_cxt != NULL)
		MemoryContextDelete(score_rules_cxt);
	score_rules_cxt = cxt;
	score_rules = rules;
	score_nrules = nrules;
	score_rules_valid = (score_rules_invals == invals_before);
}

/*
 * score_channel_hash, score_channel_match
 *		Hash and equality of ScoreChannelEntry keys, which are pointers to
 *		NUL-terminated channel names.
 */
static uint32
score_channel_hash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

static int
score_channel_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(const char *const *) key1, *(const char *const *) key2);
}

/*
 * score_make_tables
 *		Creates empty channel and campaign hash tables in cxt.
 */
static void
score_make_tables(MemoryContext cxt, HTAB **channels, HTAB **campaigns)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(const char *);
	ctl.entrysize = sizeof(ScoreChannelEntry);
	ctl.hash = score_channel_hash;
	ctl.match = score_channel_match;
	ctl.hcxt = cxt;
	*channels = hash_create("leadflow score channels", 32, &ctl,
							HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
							HASH_CONTEXT);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int32);
	ctl.entrysize = sizeof(ScoreCampaignEntry);
	ctl.hcxt = cxt;
	*campaigns = hash_create("leadflow score campaigns", 256, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * score_campaign_key
 *		Reads a close_stats key of dimension 'campaign' as a campaign id;
 *		false when it is not a whole int32 (such a row matches no lead).
 */
static bool
score_campaign_key(const char *key, int32 *campaign_id)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(key, &end, 10);
	if (errno != 0 || end == key || *end != '\0' ||
		v < PG_INT32_MIN || v > PG_INT32_MAX)
		return false;
	*campaign_id = (int32) v;
	return true;
}

/*
 * score_read_counts
 *		Adds row i of SPI_tuptable (columns of SCORE_STATS_QUERY) to the
 *		new tables or to *all.
 */
static void
score_read_counts(int i, MemoryContext cxt, HTAB *channels, HTAB *campaigns,
				  LfScoreCounts *all)
{
	HeapTuple	row = SPI_tuptable->vals[i];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	char	   *dimension = score_text_column(i, 1);
	char	   *key = score_text_column(i, 2);
	LfScoreCounts counts;
	LfScoreCounts *target = NULL;
	bool		isnull;
	bool		found;
	int32		campaign_id;

	counts.closed = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
	if (isnull)
		counts.closed = 0;
	counts.won = DatumGetInt64(SPI_getbinval(row, desc, 4, &isnull));
	if (isnull)
		counts.won = 0;
	if (dimension == NULL || key == NULL)
		return;

	if (strcmp(dimension, "all") == 0)
		target = all;
	else if (strcmp(dimension, "channel") == 0)
	{
		ScoreChannelEntry *e = hash_search(channels, &key, HASH_ENTER, &found);

		if (!found)
			e->channel = MemoryContextStrdup(cxt, key);
		target = &e->counts;
	}
	else if (strcmp(dimension, "campaign") == 0 &&
			 score_campaign_key(key, &campaign_id))
		target = &((ScoreCampaignEntry *)
				   hash_search(campaigns, &campaign_id, HASH_ENTER,
							   &found))->counts;
	else
		return;

	*target = counts;
}

/*
 * score_load_stats
 *		Replaces the close statistics cache with the rows of close_stats.
 */
static void
score_load_stats(void)
{
	uint64		invals_before = score_stats_invals;
	MemoryContext cxt;
	LeadflowSavedUser saved;
	HTAB	   *channels;
	HTAB	   *campaigns;
	LfScoreCounts all = {0, 0};
	uint64		i;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "leadflow score stats",
								ALLOCSET_DEFAULT_SIZES);
	score_make_tables(cxt, &channels, &campaigns);
	score_stats_relid = leadflow_table("close_stats");

	leadflow_become_owner(score_stats_relid, &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	score_select_latest(score_plan(&score_stats_plan, SCORE_STATS_QUERY,
								   0, NULL));
	for (i = 0; i < SPI_processed; i++)
		score_read_counts((int) i, cxt, channels, campaigns, &all);
	SPI_finish();
	leadflow_restore_user(&saved);

	MemoryContextSetParent(cxt, CacheMemoryContext);
	if (score_stats_cxt != NULL)
		MemoryContextDelete(score_stats_cxt);
	score_stats_cxt = cxt;
	score_channels = channels;
	score_campaigns = campaigns;
	score_all = all;
	score_stats_valid = (score_stats_invals == invals_before);
}

/*
 * leadflow_score_cache_ready
 *		Makes sure both caches are loaded and current, reloading a stale
 *		one.  Needs an open transaction; may raise an error when the
 *		tables cannot be read.  On the warm path it looks at the shared
 *		invalidation queue (a read of one flag when it is empty) and tests
 *		two flags.
 */
void
leadflow_score_cache_ready(void)
{
	if (!score_callback_registered)
	{
		CacheRegisterRelcacheCallback(score_relcache_callback, (Datum) 0);
		score_callback_registered = true;
	}

	/*
	 * Scoring takes no new lock inside a long transaction, so nothing else
	 * would read the queue there; a change committed elsewhere would wait
	 * for this session's next transaction.
	 */
	AcceptInvalidationMessages();

	if (!score_rules_valid)
		score_load_rules();
	if (!score_stats_valid)
		score_load_stats();
}

/*
 * leadflow_score_cached_rules
 *		The cached active rules in rule_id order; their count in *nrules.
 */
const LfScoreRule *
leadflow_score_cached_rules(int *nrules)
{
	*nrules = score_nrules;
	return score_rules;
}

/*
 * leadflow_score_counts_all
 *		Closed and won leads over all channels and campaigns.
 */
LfScoreCounts
leadflow_score_counts_all(void)
{
	return score_all;
}

/*
 * leadflow_score_counts_channel
 *		A channel's closed and won leads; zeros for NULL or a channel with
 *		no row.
 */
LfScoreCounts
leadflow_score_counts_channel(const char *channel)
{
	LfScoreCounts none = {0, 0};
	ScoreChannelEntry *e;

	if (channel == NULL || score_channels == NULL)
		return none;
	e = hash_search(score_channels, &channel, HASH_FIND, NULL);
	return e ? e->counts : none;
}

/*
 * leadflow_score_counts_campaign
 *		A campaign's closed and won leads; zeros for 0 or a campaign with no
 *		row.
 */
LfScoreCounts
leadflow_score_counts_campaign(int32 campaign_id)
{
	LfScoreCounts none = {0, 0};
	ScoreCampaignEntry *e;

	if (campaign_id == 0 || score_campaigns == NULL)
		return none;
	e = hash_search(score_campaigns, &campaign_id, HASH_FIND, NULL);
	return e ? e->counts : none;
}

/*
 * leadflow_score_count_close
 *		Adds delta closed leads (and, when won, delta won leads) to the
 *		close_stats rows of 'all', of the channel (unless NULL) and of the
 *		campaign (unless 0), creating missing rows.  delta is +1 when a lead
 *		enters won, lost or disqualified and -1 when it leaves; 0 does
 *		nothing.  Runs one INSERT ... ON CONFLICT through SPI as the table's
 *		owner; its statement trigger invalidates the caches.  Needs an open
 *		transaction; the rows stay locked until it ends.
 */
void
leadflow_score_count_close(const char *channel, int32 campaign_id, bool won,
						   int delta)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, INT4OID, INT4OID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	LeadflowSavedUser saved;
	int			rc;

	if (delta == 0)
		return;

	values[0] = channel ? CStringGetTextDatum(channel) : (Datum) 0;
	nulls[0] = channel ? ' ' : 'n';
	values[1] = campaign_id != 0 ?
		CStringGetTextDatum(psprintf("%d", campaign_id)) : (Datum) 0;
	nulls[1] = campaign_id != 0 ? ' ' : 'n';
	values[2] = Int32GetDatum(delta);
	values[3] = Int32GetDatum(won ? delta : 0);

	leadflow_become_owner(leadflow_table("close_stats"), &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_plan(score_plan(&score_close_plan, SCORE_CLOSE_QUERY,
									 4, argtypes),
						  values, nulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "close_stats upsert failed: %s",
			 SPI_result_code_string(rc));
	SPI_finish();
	leadflow_restore_user(&saved);
}

/*
 * score_exec
 *		Runs one statement through SPI (connected), raising an error unless
 *		it returns the expected SPI code.  Returns the rows processed.
 */
static uint64
score_exec(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "close_stats rebuild failed at \"%s\": %s",
			 sql, SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * leadflow_score_rebuild_close_stats
 *		SQL: leadflow.score_rebuild_close_stats() returns bigint.  Recounts
 *		close_stats from leadflow.lead (after a restore, which does not dump
 *		it, or to repair drift) and returns the number of rows written.
 *		Runs as the caller.  Locks close_stats against concurrent closes
 *		first and then counts with a fresh snapshot, so a close that commits
 *		meanwhile is counted exactly once; that needs READ COMMITTED, and
 *		other isolation levels are refused.
 */
Datum
leadflow_score_rebuild_close_stats(PG_FUNCTION_ARGS)
{
	uint64		rows;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("cannot rebuild close statistics outside READ COMMITTED"),
				 errdetail("A snapshot taken before the lock could miss leads closed meanwhile."),
				 errhint("Call the function in a READ COMMITTED transaction.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	score_exec("LOCK TABLE leadflow.close_stats IN SHARE ROW EXCLUSIVE MODE",
			   SPI_OK_UTILITY);
	score_exec("DELETE FROM leadflow.close_stats", SPI_OK_DELETE);
	rows = score_exec(SCORE_REBUILD_QUERY, SPI_OK_INSERT);
	SPI_finish();

	PG_RETURN_INT64((int64) rows);
}

/*
 * leadflow_score_count_close_sql
 *		SQL wrapper of leadflow_score_count_close(channel text, campaign_id
 *		integer, won boolean, delta integer) for the regression tests, which
 *		declare it themselves; the extension script does not.  A NULL
 *		campaign means none; NULL won or delta raise an error.
 */
Datum
leadflow_score_count_close_sql(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("won and delta must not be NULL")));
	leadflow_score_count_close(PG_ARGISNULL(0) ? NULL :
							   text_to_cstring(PG_GETARG_TEXT_PP(0)),
							   PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1),
							   PG_GETARG_BOOL(2), PG_GETARG_INT32(3));
	PG_RETURN_VOID();
}
