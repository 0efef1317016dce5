/*-------------------------------------------------------------------------
 *
 * extension/config_cache.c
 *		Per-backend caches of campaigns and SLA policies, and the
 *		invalidation scheme every leadflow cache uses.
 *
 * The row triggers run on every lead written, so they must not read
 * configuration tables row by row.  Each cache is loaded on first use in a
 * transaction and lives in its own memory context until invalidated.
 *
 * Invalidation: every configuration table carries an AFTER ... FOR EACH
 * STATEMENT trigger, leadflow.config_changed(), that queues a relcache
 * invalidation for the table.  PostgreSQL delivers it to every backend
 * (this one included) when the writing transaction commits, at the next
 * AcceptInvalidationMessages, which happens before the next statement
 * touches a table.  Our relcache callback only clears a "valid" flag; the
 * cache is rebuilt lazily inside a transaction, never inside the callback.
 * Dropping the extension drops the tables, which sends the same messages.
 * Loads read as the tables' owner (owner.c).
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "config_cache.h"
#include "owner.h"

#define CACHE_MAX_WATCHES 16

/* A cache's validity flag and the table whose changes clear it. */
typedef struct CacheWatch
{
	const char *relname;		/* a string constant of the caller's */
	Oid			relid;
	bool	   *valid;
} CacheWatch;

static CacheWatch cache_watches[CACHE_MAX_WATCHES];
static int	cache_nwatches = 0;
static bool cache_callback_registered = false;

/* Campaigns by name, and the channel of each campaign by id. */
typedef struct CampaignEntry
{
	char		name[NAMEDATALEN * 2];
	int32		campaign_id;
	char	   *channel;
} CampaignEntry;

typedef struct CampaignById
{
	int32		campaign_id;
	char	   *channel;
} CampaignById;

static MemoryContext campaign_context = NULL;
static HTAB *campaign_by_name = NULL;
static HTAB *campaign_by_id = NULL;
static bool campaign_valid = false;

/* Active SLA policies in the order they are tried. */
static MemoryContext policy_context = NULL;
static LeadflowPolicy *policies = NULL;
static int	npolicies = 0;
static bool policy_valid = false;

PG_FUNCTION_INFO_V1(leadflow_config_changed);

/*
 * cache_relcache_callback
 *		Clears the validity flag of every cache that watches relid; an
 *		InvalidOid means "everything may have changed".  Runs inside
 *		invalidation processing, so it must not touch the catalogs.
 */
static void
cache_relcache_callback(Datum arg, Oid relid)
{
	int			i;

	for (i = 0; i < cache_nwatches; i++)
	{
		if (relid == InvalidOid || cache_watches[i].relid == relid)
			*cache_watches[i].valid = false;
	}
}

/*
 * leadflow_cache_watch
 *		Ties a cache's validity flag to changes of table leadflow.relname
 *		(a string constant; one flag may watch several tables).  Call it
 *		while (re)building the cache, inside a transaction: the
 *		table's OID is resolved now, because it changes when the extension
 *		is dropped and created again.
 */
void
leadflow_cache_watch(const char *relname, bool *valid)
{
	Oid			nspid = get_namespace_oid("leadflow", false);
	Oid			relid = get_relname_relid(relname, nspid);
	int			i;

	if (!cache_callback_registered)
	{
		CacheRegisterRelcacheCallback(cache_relcache_callback, (Datum) 0);
		cache_callback_registered = true;
	}

	for (i = 0; i < cache_nwatches; i++)
	{
		if (cache_watches[i].valid == valid &&
			strcmp(cache_watches[i].relname, relname) == 0)
		{
			cache_watches[i].relid = relid;
			return;
		}
	}

	if (cache_nwatches >= CACHE_MAX_WATCHES)
		elog(ERROR, "too many leadflow cache watches");
	cache_watches[cache_nwatches].relname = relname;
	cache_watches[cache_nwatches].relid = relid;
	cache_watches[cache_nwatches].valid = valid;
	cache_nwatches++;
}

/*
 * leadflow_config_changed
 *		AFTER ... FOR EACH STATEMENT trigger on configuration tables: tells
 *		every backend that its cached copy of this table is stale.
 */
Datum
leadflow_config_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"config_changed\" must be an AFTER statement trigger")));

	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

/*
 * cache_context_reset
 *		Returns a cache's memory context emptied, creating it on first use
 *		under CacheMemoryContext.  A macro, because memory context names
 *		must be string constants.
 */
#define cache_context_reset(context, name) \
	((context) == NULL ? \
	 ((context) = AllocSetContextCreate(CacheMemoryContext, (name), \
										ALLOCSET_SMALL_SIZES)) : \
	 (MemoryContextReset(context), (context)))

/*
 * cache_text
 *		Column "col" of the current SPI row as a string copied into the
 *		cache's context, or NULL.
 */
static char *
cache_text(HeapTuple row, TupleDesc desc, int col, MemoryContext context)
{
	char	   *value = SPI_getvalue(row, desc, col);

	return value ? MemoryContextStrdup(context, value) : NULL;
}

/*
 * campaign_load
 *		Reads every campaign into the two hash tables.  Requires an open
 *		transaction; connects to SPI itself.
 */
static void
campaign_load(void)
{
	MemoryContext context = cache_context_reset(campaign_context,
												"leadflow campaign cache");
	HASHCTL		ctl;
	LeadflowSavedUser saved;
	uint64		i;

	campaign_valid = true;
	leadflow_cache_watch("campaign", &campaign_valid);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(((CampaignEntry *) 0)->name);
	ctl.entrysize = sizeof(CampaignEntry);
	ctl.hcxt = context;
	campaign_by_name = hash_create("leadflow campaigns by name", 64, &ctl,
								   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	ctl.keysize = sizeof(int32);
	ctl.entrysize = sizeof(CampaignById);
	campaign_by_id = hash_create("leadflow campaigns by id", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	leadflow_become_owner(leadflow_table("campaign"), &saved);
	SPI_connect();
	SPI_execute("SELECT campaign_id, name, channel FROM leadflow.campaign",
				true, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		id = DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull));
		char	   *name = SPI_getvalue(row, desc, 2);
		char	   *channel = cache_text(row, desc, 3, context);
		CampaignById *by_id;

		by_id = hash_search(campaign_by_id, &id, HASH_ENTER, NULL);
		by_id->channel = channel;

		/* Names longer than the key cannot be matched by hashing; skip. */
		if (strlen(name) < sizeof(((CampaignEntry *) 0)->name))
		{
			CampaignEntry *entry;

			entry = hash_search(campaign_by_name, name, HASH_ENTER, NULL);
			entry->campaign_id = id;
			entry->channel = channel;
		}
	}
	SPI_finish();
	leadflow_restore_user(&saved);
}

/*
 * leadflow_campaign_lookup
 *		Finds a campaign by its exact name.  Returns false when there is no
 *		such campaign; otherwise sets its id and channel (NULL when none;
 *		owned by the cache, valid until the end of the transaction).
 */
bool
leadflow_campaign_lookup(const char *name, int32 *campaign_id, char **channel)
{
	CampaignEntry *entry;

	if (!campaign_valid)
		campaign_load();

	if (strlen(name) >= sizeof(entry->name))
		return false;
	entry = hash_search(campaign_by_name, name, HASH_FIND, NULL);
	if (entry == NULL)
		return false;
	*campaign_id = entry->campaign_id;
	*channel = entry->channel;
	return true;
}

/*
 * leadflow_campaign_channel
 *		The channel of a campaign, or NULL when the campaign has none or
 *		does not exist.
 */
const char *
leadflow_campaign_channel(int32 campaign_id)
{
	CampaignById *by_id;

	if (!campaign_valid)
		campaign_load();

	by_id = hash_search(campaign_by_id, &campaign_id, HASH_FIND, NULL);
	return by_id ? by_id->channel : NULL;
}

/*
 * policy_load
 *		Reads the SLA policies in the order they are tried: lowest
 *		priority first, then lowest id.  Allowances are turned into
 *		business seconds once here.
 */
static void
policy_load(void)
{
	MemoryContext context = cache_context_reset(policy_context,
												"leadflow policy cache");
	LeadflowSavedUser saved;
	uint64		i;

	policy_valid = true;
	leadflow_cache_watch("sla_policy", &policy_valid);
	leadflow_cache_watch("escalation_step", &policy_valid);

	leadflow_become_owner(leadflow_table("sla_policy"), &saved);
	SPI_connect();
	SPI_execute("SELECT policy_id, priority, channel, campaign_id, min_score,"
				" calendar_id,"
				" pg_catalog.date_part('epoch', allowance)::float8, active,"
				" warn_share IS NOT NULL OR EXISTS (SELECT"
				" FROM leadflow.escalation_step s"
				" WHERE s.policy_id OPERATOR(pg_catalog.=) p.policy_id),"
	/* the warning's offset exactly as escalation_lower_bound() has it */
				" pg_catalog.make_interval(secs => EXTRACT(epoch FROM allowance)"
				" OPERATOR(pg_catalog.*) warn_share)"
				" FROM leadflow.sla_policy p"
				" ORDER BY priority, policy_id", true, 0);

	npolicies = (int) SPI_processed;
	policies = MemoryContextAllocZero(context,
									  sizeof(LeadflowPolicy) *
									  Max(npolicies, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		LeadflowPolicy *p = &policies[i];
		bool		isnull;
		Datum		d;

		p->policy_id = DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull));
		p->priority = DatumGetInt32(SPI_getbinval(row, desc, 2, &isnull));
		p->channel = cache_text(row, desc, 3, context);
		d = SPI_getbinval(row, desc, 4, &isnull);
		p->campaign_id = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(row, desc, 5, &isnull);
		p->has_min_score = !isnull;
		p->min_score = isnull ? 0 : DatumGetInt16(d);
		p->calendar_id = DatumGetInt32(SPI_getbinval(row, desc, 6, &isnull));
		p->allowance_s = DatumGetFloat8(SPI_getbinval(row, desc, 7, &isnull));
		p->active = DatumGetBool(SPI_getbinval(row, desc, 8, &isnull));
		p->escalates = DatumGetBool(SPI_getbinval(row, desc, 9, &isnull));
		d = SPI_getbinval(row, desc, 10, &isnull);
		p->warns = !isnull;
		if (!isnull)
		{
			Interval   *offset = DatumGetIntervalP(d);

			/* make_interval(secs => ...) fills only the time field */
			p->warn_offset_us = offset->time +
				(int64) offset->day * USECS_PER_DAY;
		}
	}
	SPI_finish();
	leadflow_restore_user(&saved);
}

/*
 * leadflow_policy_pick
 *		The first active policy whose channel, campaign and minimum score
 *		all match the lead, or NULL.  A policy with a minimum score does not
 *		match a lead without a score.
 */
const LeadflowPolicy *
leadflow_policy_pick(const char *channel, int32 campaign_id,
					 bool has_score, int16 score)
{
	int			i;

	if (!policy_valid)
		policy_load();

	for (i = 0; i < npolicies; i++)
	{
		const LeadflowPolicy *p = &policies[i];

		if (!p->active)
			continue;
		if (p->channel &&
			(channel == NULL || strcmp(p->channel, channel) != 0))
			continue;
		if (p->campaign_id != 0 && p->campaign_id != campaign_id)
			continue;
		if (p->has_min_score && (!has_score || score < p->min_score))
			continue;
		return p;
	}
	return NULL;
}

/*
 * leadflow_policy_get
 *		A policy by id, active or not (leads keep the policy they were
 *		given), or NULL when it is gone.
 */
const LeadflowPolicy *
leadflow_policy_get(int32 policy_id)
{
	int			i;

	if (!policy_valid)
		policy_load();

	for (i = 0; i < npolicies; i++)
	{
		if (policies[i].policy_id == policy_id)
			return &policies[i];
	}
	return NULL;
}
