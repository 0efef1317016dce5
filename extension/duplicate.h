/*-------------------------------------------------------------------------
 *
 * extension/duplicate.h
 *		Finding the earlier lead a new lead duplicates.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_DUPLICATE_H
#define LEADFLOW_DUPLICATE_H

#include "postgres.h"

#include "utils/timestamp.h"

extern bool leadflow_duplicate_find(int64 lead_id, TimestampTz received_at,
									const char *phone, const char *email_key,
									int64 *root_id, TimestampTz *root_arrival);

#endif							/* LEADFLOW_DUPLICATE_H */
