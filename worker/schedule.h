/*-------------------------------------------------------------------------
 *
 * worker/schedule.h
 *		Fixed-rate schedule arithmetic for the background worker.
 *
 * Pure C with no PostgreSQL headers, so the cmocka unit tests link it
 * directly.  Times are milliseconds since any fixed epoch; the caller
 * supplies "now", which keeps the clock injectable.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SCHEDULE_H
#define LEADFLOW_SCHEDULE_H

#include <stdint.h>

extern int64_t leadflow_schedule_next(int64_t anchor_ms, int64_t interval_ms,
									  int64_t now_ms);
extern int	leadflow_schedule_timeout(int64_t due_ms, int64_t now_ms);
extern int64_t leadflow_schedule_backoff(int64_t interval_ms, int failures,
										 int64_t floor_ms, int64_t cap_ms);

#endif							/* LEADFLOW_SCHEDULE_H */
