/*-------------------------------------------------------------------------
 *
 * worker/ddl_guard.c
 *		Keeps leadflow's job workers out of the way of the commands that
 *		need a database to themselves: DROP DATABASE, ALTER DATABASE ...
 *		RENAME TO and ... SET TABLESPACE, and CREATE DATABASE ... TEMPLATE.
 *
 * A ProcessUtility hook, installed in every backend when the library is
 * preloaded, sees such a command before it runs.  It marks the target
 * database as held off in shared memory, so the launcher starts no job
 * worker there, and sends SIGTERM to the job workers already connected,
 * whose runs roll back and are retried later.  The hold is lifted when
 * the command returns or fails; by then the command holds the lock that
 * keeps new connections out until it commits.  The hold also expires by
 * itself, in case the backend dies before lifting it.  Shared-state rules
 * are in shared.h; this file writes only holdoff_pid and holdoff_until.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "utils/backend_status.h"
#include "tcop/utility.h"
#include "utils/timestamp.h"

#include "launcher.h"
#include "shared.h"

/* A hold the backend could not lift ends by itself after this long. */
#define GUARD_HOLD_MS (60 * 1000L)

static ProcessUtility_hook_type guard_prev_hook = NULL;

static void guard_process_utility(PlannedStmt *pstmt,
								  const char *queryString,
								  bool readOnlyTree,
								  ProcessUtilityContext context,
								  ParamListInfo params,
								  QueryEnvironment *queryEnv,
								  DestReceiver *dest, QueryCompletion *qc);
static Oid	guard_target(Node *parsetree);
static const char *guard_option(List *options, const char *name);
static void guard_hold(Oid dboid);
static void guard_release(Oid dboid);
static void guard_terminate_connected(Oid dboid);

/*
 * leadflow_ddl_guard_install
 *		Installs the hook.  Called from _PG_init while preloading, so every
 *		backend the postmaster starts inherits it.
 */
void
leadflow_ddl_guard_install(void)
{
	guard_prev_hook = ProcessUtility_hook;
	ProcessUtility_hook = guard_process_utility;
}

/*
 * guard_process_utility
 *		Holds job workers off the target database while a command that
 *		needs it idle runs; passes every other command straight through.
 */
static void
guard_process_utility(PlannedStmt *pstmt, const char *queryString,
					  bool readOnlyTree, ProcessUtilityContext context,
					  ParamListInfo params, QueryEnvironment *queryEnv,
					  DestReceiver *dest, QueryCompletion *qc)
{
	Oid			dboid = InvalidOid;

	if (leadflow_shared != NULL && LEADFLOW_SHARED_LAYOUT_OK())
		dboid = guard_target(pstmt->utilityStmt);
	if (OidIsValid(dboid))
		guard_hold(dboid);

	PG_TRY();
	{
		if (guard_prev_hook)
			guard_prev_hook(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree,
									context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (OidIsValid(dboid))
			guard_release(dboid);
	}
	PG_END_TRY();
}

/*
 * guard_target
 *		The database a command needs idle, or InvalidOid when the command
 *		is not one of those (or names no existing database).
 */
static Oid
guard_target(Node *parsetree)
{
	const char *name = NULL;

	switch (nodeTag(parsetree))
	{
		case T_DropdbStmt:
			name = ((DropdbStmt *) parsetree)->dbname;
			break;
		case T_RenameStmt:
			if (((RenameStmt *) parsetree)->renameType == OBJECT_DATABASE)
				name = ((RenameStmt *) parsetree)->subname;
			break;
		case T_CreatedbStmt:
			name = guard_option(((CreatedbStmt *) parsetree)->options,
								"template");
			break;
		case T_AlterDatabaseStmt:
			if (guard_option(((AlterDatabaseStmt *) parsetree)->options,
							 "tablespace") != NULL)
				name = ((AlterDatabaseStmt *) parsetree)->dbname;
			break;
		default:
			break;
	}
	return name ? get_database_oid(name, true) : InvalidOid;
}

/*
 * guard_option
 *		The value of the named option of a CREATE/ALTER DATABASE command,
 *		or NULL when it is absent or has no value.
 */
static const char *
guard_option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, name) == 0 && def->arg != NULL)
			return defGetString(def);
	}
	return NULL;
}

/*
 * guard_hold
 *		Marks the database as held off and terminates the job workers
 *		connected to it.  The signals are sent after the lock is released.
 */
static void
guard_hold(Oid dboid)
{
	pid_t		pids[LEADFLOW_NUM_JOBS];
	int			npids = 0;
	int			i;
	int			job;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < leadflow_shared->max_databases; i++)
	{
		LeadflowDbSlot *db = &leadflow_shared->dbs[i];

		if (db->state == LEADFLOW_DB_FREE || db->dboid != dboid)
			continue;
		db->holdoff_pid = MyProcPid;
		db->holdoff_until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														GUARD_HOLD_MS);
		for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
			if (db->jobs[job].pid != 0)
				pids[npids++] = db->jobs[job].pid;
	}
	LWLockRelease(leadflow_shared->lock);

	for (i = 0; i < npids; i++)
		kill(pids[i], SIGTERM);
	guard_terminate_connected(dboid);
}

/*
 * guard_terminate_connected
 *		Sends SIGTERM to every leadflow job worker that the backend status
 *		array shows connected to the database, whatever the job slots say:
 *		the slots may lag behind a worker that has only just started.
 */
static void
guard_terminate_connected(Oid dboid)
{
	int			n = pgstat_fetch_stat_numbackends();
	int			i;

	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);
		PgBackendStatus *be;
		const char *type;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_databaseid != dboid || be->st_backendType != B_BG_WORKER)
			continue;
		type = GetBackgroundWorkerTypeByPid(be->st_procpid);
		if (type != NULL && strncmp(type, "leadflow ", 9) == 0)
		{
			kill(be->st_procpid, SIGTERM);
		}
	}
}

/*
 * guard_release
 *		Lifts this backend's hold on the database and wakes the launcher,
 *		which may have work there (or a slot to free).
 */
static void
guard_release(Oid dboid)
{
	int			i;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < leadflow_shared->max_databases; i++)
	{
		LeadflowDbSlot *db = &leadflow_shared->dbs[i];

		if (db->dboid == dboid && db->holdoff_pid == MyProcPid)
		{
			db->holdoff_pid = 0;
			db->holdoff_until = 0;
		}
	}
	LWLockRelease(leadflow_shared->lock);
	leadflow_wake_launcher();
}
