/*-------------------------------------------------------------------------
 *
 * extension/owner.h
 *		Running leadflow's own table reads and writes as the owner of its
 *		tables.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_OWNER_H
#define LEADFLOW_OWNER_H

#include "postgres.h"

/* The user, security context and GUC level to go back to. */
typedef struct LeadflowSavedUser
{
	Oid			userid;
	int			sec_context;
	int			guc_level;
} LeadflowSavedUser;

extern void leadflow_become_owner(Oid relid, LeadflowSavedUser *saved);
extern void leadflow_restore_user(const LeadflowSavedUser *saved);
extern Oid	leadflow_table(const char *name);

#endif							/* LEADFLOW_OWNER_H */
