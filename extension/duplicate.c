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
 * READ COMMITTED its look-up then runs on a new snapshot and sees the
 * first lead.  The saved plan is per backend and never shared.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"

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

static SPIPlanPtr duplicate_plan = NULL;

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
 * duplicate_prepare
 *		Prepares and keeps the look-up.  It picks the earliest match in the
 *		window and returns that lead's root (its own duplicate_of, or
 *		itself) with the root's arrival, from which the SLA clock runs.
 */
static void
duplicate_prepare(void)
{
	Oid			types[5] = {TEXTOID, TEXTOID, TIMESTAMPTZOID, INT8OID,
	INT4OID};
	SPIPlanPtr	plan;

	plan = SPI_prepare("SELECT COALESCE(m.duplicate_of, m.lead_id),"
					   " COALESCE(r.received_at, m.received_at)"
					   " FROM (SELECT lead_id, duplicate_of, received_at"
					   "       FROM leadflow.lead"
					   "       WHERE (phone OPERATOR(pg_catalog.=) $1"
					   "              OR email_key OPERATOR(pg_catalog.=) $2)"
					   "         AND received_at OPERATOR(pg_catalog.<=) $3"
					   "         AND received_at OPERATOR(pg_catalog.>=)"
					   "             ($3 OPERATOR(pg_catalog.-)"
					   "              pg_catalog.make_interval(secs => $5))"
					   "         AND lead_id OPERATOR(pg_catalog.<>) $4"
					   "       ORDER BY received_at, lead_id LIMIT 1) m"
					   " LEFT JOIN leadflow.lead r"
					   "   ON r.lead_id OPERATOR(pg_catalog.=) m.duplicate_of",
					   5, types);
	if (plan == NULL)
		elog(ERROR, "could not prepare duplicate look-up: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	duplicate_plan = plan;
}

/*
 * leadflow_duplicate_find
 *		Looks for an earlier lead (arrived at or before received_at, within
 *		the window) with the same phone or e-mail key, other than lead_id.
 *		Returns true and the root lead and its arrival when one exists.
 *		Requires an open transaction; connects to SPI itself.
 */
bool
leadflow_duplicate_find(int64 lead_id, TimestampTz received_at,
						const char *phone, const char *email_key,
						int64 *root_id, TimestampTz *root_arrival)
{
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		found = false;
	int			ret;

	if (phone == NULL && email_key == NULL)
		return false;

	duplicate_lock(phone, email_key);

	SPI_connect();
	if (duplicate_plan == NULL)
		duplicate_prepare();

	args[0] = phone ? CStringGetTextDatum(phone) : (Datum) 0;
	nulls[0] = phone ? ' ' : 'n';
	args[1] = email_key ? CStringGetTextDatum(email_key) : (Datum) 0;
	nulls[1] = email_key ? ' ' : 'n';
	args[2] = TimestampTzGetDatum(received_at);
	args[3] = Int64GetDatum(lead_id);
	args[4] = Int32GetDatum(leadflow_duplicate_window);

	ret = SPI_execute_plan(duplicate_plan, args, nulls, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "duplicate look-up failed: %s",
			 SPI_result_code_string(ret));

	if (SPI_processed > 0)
	{
		HeapTuple	row = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		*root_id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
		*root_arrival = DatumGetTimestampTz(SPI_getbinval(row, desc, 2,
														  &isnull));
		found = true;
	}
	SPI_finish();
	return found;
}
