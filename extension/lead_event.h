/*-------------------------------------------------------------------------
 *
 * extension/lead_event.h
 *		Appending to the lead event log.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_LEAD_EVENT_H
#define LEADFLOW_LEAD_EVENT_H

#include "postgres.h"

#include "utils/timestamp.h"

extern void leadflow_lead_event(int64 lead_id, TimestampTz happened_at,
								const char *kind, const char *from_value,
								const char *to_value, int32 rep_id);

#endif							/* LEADFLOW_LEAD_EVENT_H */
