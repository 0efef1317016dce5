/*-------------------------------------------------------------------------
 *
 * extension/worker_log.h
 *		What the background worker must hear of a new lead.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_WORKER_LOG_H
#define LEADFLOW_WORKER_LOG_H

#include "postgres.h"

#include "utils/rel.h"

#include "lead_row.h"

extern void leadflow_worker_log_inserted(Relation leadrel,
										 const LeadRow *row);

#endif							/* LEADFLOW_WORKER_LOG_H */
