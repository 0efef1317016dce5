/*-------------------------------------------------------------------------
 *
 * worker/launcher.h
 *		The leadflow launcher background worker.
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

#endif							/* LEADFLOW_LAUNCHER_H */
