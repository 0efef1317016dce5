/*-------------------------------------------------------------------------
 *
 * extension/owner.c
 *		Switching to the owner of leadflow's tables for leadflow's own
 *		bookkeeping.
 *
 * The triggers and caches read configuration and write figures that the
 * application's role has no business holding privileges on: an
 * application that may INSERT a lead need not be able to read SLA
 * policies or UPDATE the figures of a lead.  Such work runs as the table's
 * owner, inside a security-restricted operation (no user code can change
 * the session on our behalf) with search_path pinned to pg_catalog.  An
 * error before the switch back is undone by (sub)transaction abort.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "owner.h"

/*
 * leadflow_table
 *		OID of table leadflow.name; raises an error when the extension is
 *		not installed in this database.
 */
Oid
leadflow_table(const char *name)
{
	Oid			nsp = get_namespace_oid("leadflow", true);
	Oid			relid = InvalidOid;

	if (OidIsValid(nsp))
		relid = get_relname_relid(name, nsp);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"leadflow.%s\" does not exist", name),
				 errhint("Run CREATE EXTENSION leadflow in this database.")));
	return relid;
}

/*
 * leadflow_become_owner
 *		Switches to the owner of table relid, in a security-restricted
 *		operation with search_path pinned to pg_catalog, saving what
 *		leadflow_restore_user needs to switch back.
 */
void
leadflow_become_owner(Oid relid, LeadflowSavedUser *saved)
{
	HeapTuple	tuple;
	Oid			owner;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);

	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	SetUserIdAndSecContext(owner, saved->sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	saved->guc_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * leadflow_restore_user
 *		Undoes leadflow_become_owner.
 */
void
leadflow_restore_user(const LeadflowSavedUser *saved)
{
	AtEOXact_GUC(true, saved->guc_level);
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}
