/*-------------------------------------------------------------------------
 *
 * extension/duplicate.c
 *		Finding the earliest earlier lead with the same phone number or
 *		e-mail key within leadflow.duplicate_window.
 *
 * Two sessions inserting the same contact at once must not both miss each
 * other.  Before looking, a session takes a transaction-scoped advisory
 * lock per contact key (phone, e-mail key; in a fixed order, so two keys
 * cannot deadlock).  The second session waits for the first to commit; in
 * READ COMMITTED its look-up then runs on the latest snapshot and sees the
 * first lead.  No state is kept between calls.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "duplicate.h"
#include "settings.h"

/* field4 of leadflow's advisory lock tags; 1 and 2 are PostgreSQL's own. */
#define DUPLICATE_LOCK_SPACE 0x4C46

/*
 * Contact keys share a fixed number of lock stripes, so that a COPY of a
 * million leads holds at most this many locks instead of filling the lock
 * table; two different contacts rarely wait for each other.
 */
#define DUPLICATE_LOCK_STRIPES 1024

/* The earliest match found so far. */
typedef struct DuplicateMatch
{
	bool		found;
	int64		lead_id;
	TimestampTz received_at;
	bool		has_root;
	int64		root_id;		/* the match's own duplicate_of */
} DuplicateMatch;

/*
 * duplicate_key_hash
 *		The lock stripe of a contact key: salt tells phone stripes from
 *		e-mail stripes.
 */
static uint32
duplicate_key_hash(const char *key, uint32 salt)
{
	return (hash_bytes((const unsigned char *) key, (int) strlen(key)) %
			DUPLICATE_LOCK_STRIPES) + salt * DUPLICATE_LOCK_STRIPES;
}

/*
 * duplicate_lock
 *		Takes the transaction-scoped advisory locks for the lead's contact
 *		keys, lower hash first.  A NULL key takes no lock.
 */
static void
duplicate_lock(const char *phone, const char *email_key)
{
	uint32		keys[2];
	int			n = 0;
	int			i;

	if (phone)
		keys[n++] = duplicate_key_hash(phone, 0);
	if (email_key)
		keys[n++] = duplicate_key_hash(email_key, 1);
	if (n == 2 && keys[0] > keys[1])
	{
		/* Always the lower stripe first, so two sessions cannot deadlock. */
		uint32		swap = keys[0];

		keys[0] = keys[1];
		keys[1] = swap;
	}

	for (i = 0; i < n; i++)
	{
		LOCKTAG		tag;

		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, keys[i], 0,
							 DUPLICATE_LOCK_SPACE);
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}
}

/*
 * duplicate_index
 *		OID of one of leadflow.lead's indexes, by name.
 */
static Oid
duplicate_index(const char *name)
{
	Oid			nspid = get_namespace_oid("leadflow", false);
	Oid			indexid = get_relname_relid(name, nspid);

	if (!OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index \"leadflow.%s\" does not exist", name),
				 errhint("Reinstall the leadflow extension.")));
	return indexid;
}

/*
 * duplicate_scan
 *		Walks one (key, received_at) index over [from, to] for key and
 *		keeps the earliest visible lead other than self in *best (earliest
 *		arrival, then lowest id).  A direct index scan, so the cost does
 *		not depend on a cached plan chosen while the table was small.
 */
static void
duplicate_scan(Relation heap, const char *index_name, const char *key,
			   TimestampTz from, TimestampTz to, int64 self,
			   Snapshot snapshot, DuplicateMatch *best)
{
	Relation	index = index_open(duplicate_index(index_name),
								   AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	TupleDesc	desc = RelationGetDescr(heap);
	int			att_id = SPI_fnumber(desc, "lead_id");
	int			att_dup = SPI_fnumber(desc, "duplicate_of");
	int			att_arrival = SPI_fnumber(desc, "received_at");
	ScanKeyData keys[3];
	IndexScanDesc scan;

	ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[0], F_TEXTEQ,
						   CStringGetTextDatum(key));
	ScanKeyInit(&keys[1], 2, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE,
				TimestampTzGetDatum(from));
	ScanKeyInit(&keys[2], 2, BTLessEqualStrategyNumber, F_TIMESTAMPTZ_LE,
				TimestampTzGetDatum(to));

	scan = index_beginscan(heap, index, snapshot, 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		int64		id = DatumGetInt64(slot_getattr(slot, att_id, &isnull));
		TimestampTz at = DatumGetTimestampTz(slot_getattr(slot, att_arrival,
														  &isnull));
		Datum		dup;

		if (id == self)
			continue;
		/* Index order is by arrival: nothing later can be earlier. */
		if (best->found && at > best->received_at)
			break;
		if (best->found && at == best->received_at && id > best->lead_id)
			continue;

		dup = slot_getattr(slot, att_dup, &isnull);
		best->found = true;
		best->lead_id = id;
		best->received_at = at;
		best->has_root = !isnull;
		best->root_id = isnull ? 0 : DatumGetInt64(dup);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
}

/*
 * duplicate_arrival
 *		Arrival of lead lead_id, found through the primary key; false when
 *		it is not visible.
 */
static bool
duplicate_arrival(Relation heap, int64 lead_id, Snapshot snapshot,
				  TimestampTz *arrival)
{
	Relation	index = index_open(duplicate_index("lead_pkey"),
								   AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	ScanKeyData key;
	IndexScanDesc scan;
	bool		found;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(lead_id));
	scan = index_beginscan(heap, index, snapshot, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	if (found)
	{
		bool		isnull;

		*arrival = DatumGetTimestampTz(
			slot_getattr(slot, SPI_fnumber(RelationGetDescr(heap),
										   "received_at"), &isnull));
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	return found;
}

/*
 * leadflow_duplicate_find
 *		Looks for an earlier lead (arrived at or before received_at, within
 *		the window) with the same phone or e-mail key, other than lead_id.
 *		Returns true and the root lead (the match's own duplicate_of, or
 *		the match) and the root's arrival, from which the SLA clock runs.
 *
 *		Requires an open transaction.  After the contact locks are held, a
 *		new command and the latest snapshot make visible both the leads
 *		other sessions committed while we waited and the rows this
 *		statement already wrote (a multi-row INSERT or COPY).
 */
bool
leadflow_duplicate_find(int64 lead_id, TimestampTz received_at,
						const char *phone, const char *email_key,
						int64 *root_id, TimestampTz *root_arrival)
{
	DuplicateMatch best;
	Relation	heap;
	Snapshot	snapshot;
	TimestampTz from;

	if (phone == NULL && email_key == NULL)
		return false;

	duplicate_lock(phone, email_key);
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetLatestSnapshot());

	from = received_at - (int64) leadflow_duplicate_window * USECS_PER_SEC;
	memset(&best, 0, sizeof(best));
	heap = table_open(get_relname_relid("lead",
										get_namespace_oid("leadflow", false)),
					  AccessShareLock);
	if (phone)
		duplicate_scan(heap, "lead_phone_idx", phone, from, received_at,
					   lead_id, snapshot, &best);
	if (email_key)
		duplicate_scan(heap, "lead_email_key_idx", email_key, from,
					   received_at, lead_id, snapshot, &best);

	if (best.found)
	{
		/*
		 * The match's root is the match's own link, except when that link
		 * points back at this lead (which arrived later than it used to):
		 * then the match itself is the root.
		 */
		if (best.has_root && best.root_id == lead_id)
			best.has_root = false;
		*root_id = best.has_root ? best.root_id : best.lead_id;
		*root_arrival = best.received_at;
		if (best.has_root &&
			!duplicate_arrival(heap, best.root_id, snapshot, root_arrival))
			*root_arrival = best.received_at;
	}
	table_close(heap, AccessShareLock);
	UnregisterSnapshot(snapshot);
	return best.found;
}
