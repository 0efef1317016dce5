/*-------------------------------------------------------------------------
 *
 * extension/append.h
 *		Appending a row of leadflow's own bookkeeping straight into a
 *		table and its indexes.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_APPEND_H
#define LEADFLOW_APPEND_H

#include "postgres.h"

#include "utils/rel.h"

extern void leadflow_append_row(Relation rel, Datum *values, bool *nulls);

#endif							/* LEADFLOW_APPEND_H */
