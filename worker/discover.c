/*-------------------------------------------------------------------------
 *
 * worker/discover.c
 *		The launcher's look at the databases: which databases it serves
 *		(pg_database and leadflow.databases), a slot for each, and
 *		whether the role their jobs run as exists and may log in.
 *
 * Runs in the launcher process only, in one short transaction per look
 * that reads pg_database and pg_authid.  Shared state: claims and frees
 * database slots and moves databases between "new", "no role" and
 * "ready", under the shared lock, never holding it across a catalog
 * lookup or an ereport; reads the launcher's job worker handles
 * (leadflow_launcher) to keep the slot of a database whose job is still
 * running.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "launcher_state.h"
#include "schedule.h"
#include "settings.h"
#include "shared.h"

/* A database found in pg_database by one scan. */
typedef struct LauncherDb
{
	Oid			oid;
	NameData	name;
} LauncherDb;

static List *discover_list_databases(void);
static bool discover_database_wanted(const char *name);
static void discover_reconcile(List *found, TimestampTz now);
static void discover_check_roles(TimestampTz now);
static bool discover_role_usable(LeadflowDbSlot *db, Oid *role,
								 char **problem);
static void discover_make_ready(LeadflowDbSlot *db, TimestampTz now);

/*
 * leadflow_discover_databases
 *		Looks at pg_database and pg_authid: claims slots for new databases,
 *		frees those of databases gone or no longer listed, and checks the
 *		role of every database where leadflow was found.  Runs once per
 *		naptime, after SIGHUP, and when a backend asked for it.
 */
void
leadflow_discover_databases(void)
{
	TimestampTz now = GetCurrentTimestamp();
	List	   *found;
	bool		woken;
	int64		next_ms;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	woken = leadflow_shared->wake_requested;
	leadflow_shared->wake_requested = false;
	LWLockRelease(leadflow_shared->lock);

	pgstat_report_activity(STATE_RUNNING, "looking for databases");
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());

	found = discover_list_databases();
	discover_reconcile(found, now);
	if (woken)
	{
		int			i;

		/* Someone installed leadflow or restored a database: probe now. */
		LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
		for (i = 0; i < leadflow_shared->max_databases; i++)
			if (leadflow_shared->dbs[i].state != LEADFLOW_DB_READY)
				leadflow_shared->dbs[i].next_probe = now;
		LWLockRelease(leadflow_shared->lock);
	}
	discover_check_roles(now);

	PopActiveSnapshot();
	CommitTransactionCommand();

	next_ms = leadflow_schedule_next(leadflow_launcher.scan_anchor / 1000,
									 leadflow_launcher_naptime * 1000L,
									 now / 1000);
	leadflow_launcher.next_scan = TimestampTzPlusMilliseconds(0, next_ms);
	if (woken)
		leadflow_launcher.scan_anchor = now;
}

/*
 * discover_list_databases
 *		The databases the launcher should watch: those that allow
 *		connections, are not templates, are not half-dropped, and are
 *		named in leadflow.databases when it is set.  Allocated in the tick
 *		context.  Expects a transaction.
 */
static List *
discover_list_databases(void)
{
	List	   *found = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	MemoryContext old;

	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database form = (Form_pg_database) GETSTRUCT(tup);
		LauncherDb *db;

		if (!form->datallowconn || form->datistemplate ||
			database_is_invalid_form(form) ||
			!discover_database_wanted(NameStr(form->datname)))
			continue;

		old = MemoryContextSwitchTo(leadflow_launcher.tick_context);
		db = palloc(sizeof(LauncherDb));
		db->oid = form->oid;
		db->name = form->datname;
		found = lappend(found, db);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * discover_database_wanted
 *		Whether leadflow.databases allows the named database: always when
 *		the setting is empty.  Names are compared exactly; the list was
 *		validated as a list when it was set.
 */
static bool
discover_database_wanted(const char *name)
{
	char	   *raw;
	List	   *names;
	ListCell   *lc;
	bool		wanted = false;

	if (leadflow_databases == NULL || leadflow_databases[0] == '\0')
		return true;

	raw = pstrdup(leadflow_databases);
	if (!SplitGUCList(raw, ',', &names))
		return false;
	foreach(lc, names)
	{
		if (strcmp((char *) lfirst(lc), name) == 0)
			wanted = true;
	}
	list_free(names);
	pfree(raw);
	return wanted;
}

/*
 * discover_reconcile
 *		Brings the database slots in line with the scan: a slot for every
 *		database found (a new one starts in state "new"), renames applied,
 *		and the slots of databases no longer found freed once no job
 *		worker runs there.  Logs once per minute when slots run out.
 */
static void
discover_reconcile(List *found, TimestampTz now)
{
	ListCell   *lc;
	int			i;
	int			job;
	bool		full = false;
	List	   *stopped = NIL;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < leadflow_shared->max_databases; i++)
		leadflow_shared->dbs[i].seen = false;

	foreach(lc, found)
	{
		LauncherDb *f = lfirst(lc);
		LeadflowDbSlot *slot = NULL;
		LeadflowDbSlot *free_slot = NULL;

		for (i = 0; i < leadflow_shared->max_databases; i++)
		{
			LeadflowDbSlot *db = &leadflow_shared->dbs[i];

			if (db->state != LEADFLOW_DB_FREE && db->dboid == f->oid)
				slot = db;
			else if (db->state == LEADFLOW_DB_FREE && free_slot == NULL)
				free_slot = db;
		}
		if (slot == NULL && free_slot == NULL)
		{
			full = true;
			continue;
		}
		if (slot == NULL)
		{
			uint32		gens[LEADFLOW_NUM_JOBS];

			slot = free_slot;
			for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
				gens[job] = slot->jobs[job].generation;
			memset(slot, 0, sizeof(LeadflowDbSlot));
			for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
				slot->jobs[job].generation = gens[job] + 1;
			slot->dboid = f->oid;
			slot->state = LEADFLOW_DB_NEW;
			slot->next_probe = now;
		}
		slot->dbname = f->name;
		slot->seen = true;
	}

	for (i = 0; i < leadflow_shared->max_databases; i++)
	{
		LeadflowDbSlot *db = &leadflow_shared->dbs[i];
		bool		busy = false;

		if (db->state == LEADFLOW_DB_FREE || db->seen)
			continue;
		for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
			busy |= (leadflow_launcher.handles[i * LEADFLOW_NUM_JOBS + job] !=
					 NULL);
		if (busy)
			continue;
		if (db->state == LEADFLOW_DB_READY)
			stopped = lappend(stopped, pstrdup(NameStr(db->dbname)));
		db->state = LEADFLOW_DB_FREE;
		db->dboid = InvalidOid;
	}
	LWLockRelease(leadflow_shared->lock);

	foreach(lc, stopped)
		ereport(LOG,
				(errmsg("leadflow stopped serving database \"%s\"",
						(char *) lfirst(lc)),
				 errdetail("The database was dropped, no longer allows "
						   "connections, or is not named in leadflow.databases.")));
	if (full)
		leadflow_warn_databases_full(now);
}

/*
 * discover_check_roles
 *		For every database where leadflow is installed, checks that the role
 *		its jobs run as exists and may log in: a database moves between
 *		"no role" and "ready" as that changes.  Each problem is logged once
 *		until it is solved.  Expects a transaction (reads pg_authid).
 */
static void
discover_check_roles(TimestampTz now)
{
	int			i;

	for (i = 0; i < leadflow_shared->max_databases; i++)
	{
		LeadflowDbSlot *db = &leadflow_shared->dbs[i];
		LeadflowDbState state;
		Oid			role = InvalidOid;
		char	   *problem = NULL;
		bool		usable;
		bool		log_problem = false;
		bool		log_ready = false;
		NameData	dbname;

		LWLockAcquire(leadflow_shared->lock, LW_SHARED);
		state = db->state;
		LWLockRelease(leadflow_shared->lock);
		if (state != LEADFLOW_DB_READY && state != LEADFLOW_DB_NO_ROLE)
			continue;

		/* Catalog lookups run without the lock held. */
		usable = discover_role_usable(db, &role, &problem);

		LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
		dbname = db->dbname;
		if (db->state == LEADFLOW_DB_READY && usable && db->role != role)
			log_ready = true;
		db->role = role;
		if (usable && db->state == LEADFLOW_DB_NO_ROLE)
		{
			discover_make_ready(db, now);
			log_ready = true;
		}
		else if (!usable && (db->state == LEADFLOW_DB_READY ||
							 db->state == LEADFLOW_DB_NO_ROLE))
		{
			int			job;

			db->state = LEADFLOW_DB_NO_ROLE;
			for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
				db->jobs[job].next_run = 0;
			log_problem = !db->role_logged;
			db->role_logged = true;
		}
		LWLockRelease(leadflow_shared->lock);

		if (log_problem)
			ereport(LOG,
					(errmsg("leadflow runs no job in database \"%s\"",
							NameStr(dbname)),
					 errdetail("%s", problem),
					 errhint("Create the role or allow it to log in, or set "
							 "leadflow.worker_role to a role that can.")));
		if (log_ready)
			ereport(LOG,
					(errmsg("leadflow runs its jobs in database \"%s\" as role \"%s\"",
							NameStr(dbname),
							GetUserNameFromId(role, false))));
	}
}

/*
 * discover_role_usable
 *		Finds the role a database's jobs run as (leadflow.worker_role, or
 *		the extension's owner as the last probe saw it) and whether it
 *		exists and may log in.  On failure *problem says why, as a
 *		sentence.  Expects a transaction.
 */
static bool
discover_role_usable(LeadflowDbSlot *db, Oid *role, char **problem)
{
	HeapTuple	tup;
	bool		canlogin;
	const char *name = leadflow_worker_role;

	if (name != NULL && name[0] != '\0')
	{
		*role = get_role_oid(name, true);
		if (!OidIsValid(*role))
		{
			*problem = psprintf("Role \"%s\" named in leadflow.worker_role does not exist.",
								name);
			return false;
		}
	}
	else
		*role = db->ext_owner;

	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(*role));
	if (!HeapTupleIsValid(tup))
	{
		*problem = psprintf("The owner of the extension (role %u) does not exist.",
							*role);
		return false;
	}
	canlogin = ((Form_pg_authid) GETSTRUCT(tup))->rolcanlogin;
	if (!canlogin)
		*problem = psprintf("Role \"%s\" is not permitted to log in.",
							NameStr(((Form_pg_authid) GETSTRUCT(tup))->rolname));
	ReleaseSysCache(tup);
	return canlogin;
}

/*
 * discover_make_ready
 *		Schedules every job of a database that has just become ready: each
 *		runs at once, then on its own grid from now.  Caller holds the lock
 *		exclusively.
 */
static void
discover_make_ready(LeadflowDbSlot *db, TimestampTz now)
{
	int			job;

	db->state = LEADFLOW_DB_READY;
	db->role_logged = false;
	for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
	{
		db->jobs[job].anchor = now;
		db->jobs[job].next_run = now;
		db->jobs[job].consecutive_failures = 0;
	}
}
