/*-------------------------------------------------------------------------
 *
 * worker/launcher.h
 *		The leadflow launcher background worker, and the guard that keeps
 *		its job workers out of the way of database-level DDL.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_LAUNCHER_H
#define LEADFLOW_LAUNCHER_H

#include "postgres.h"

extern void leadflow_register_launcher(void);
extern PGDLLEXPORT void leadflow_launcher_main(Datum main_arg);

/* worker/ddl_guard.c */
extern void leadflow_ddl_guard_install(void);

#endif							/* LEADFLOW_LAUNCHER_H */
