/*-------------------------------------------------------------------------
 *
 * worker/schedule.c
 *		When the next run of a periodic job is due.
 *
 * Jobs run on a fixed grid anchored at the moment they were first
 * scheduled, so a slow run does not push every later run back (no drift).
 * A forward clock jump skips the missed slots instead of running them all
 * in a burst; a backward jump never repeats a slot that already ran,
 * because the next slot is computed from the last one, not from "now".
 *
 * No shared state; every function is reentrant.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>

#include "schedule.h"

/*
 * leadflow_schedule_next
 *		The first grid slot anchor + k * interval that lies after now.
 *
 * anchor_ms is the slot the job last ran for (or first scheduled at).
 * When the clock went backwards (now before the anchor) the answer is the
 * slot after the anchor, so that slot is not run twice.  A non-positive
 * interval is treated as one millisecond; callers validate settings.
 */
int64_t
leadflow_schedule_next(int64_t anchor_ms, int64_t interval_ms, int64_t now_ms)
{
	int64_t		slots;

	if (interval_ms <= 0)
		interval_ms = 1;

	/* Backward jump: never go back to a slot at or before the anchor. */
	if (now_ms < anchor_ms)
		return anchor_ms + interval_ms;

	/* Forward: skip every slot already in the past, in one step. */
	slots = (now_ms - anchor_ms) / interval_ms + 1;
	return anchor_ms + slots * interval_ms;
}

/*
 * leadflow_schedule_timeout
 *		Milliseconds to wait from now until due, clamped to what WaitLatch
 *		accepts: never negative, never above INT_MAX.
 */
int
leadflow_schedule_timeout(int64_t due_ms, int64_t now_ms)
{
	int64_t		wait_ms = due_ms - now_ms;

	if (wait_ms < 0)
		return 0;
	if (wait_ms > INT_MAX)
		return INT_MAX;
	return (int) wait_ms;
}

/*
 * leadflow_schedule_backoff
 *		Milliseconds to wait before retrying a job after its failures-th
 *		failure in a row: the job's interval, doubled for every further
 *		failure, never below floor_ms and never above the larger of the
 *		interval and cap_ms.  Zero failures waits one interval.
 */
int64_t
leadflow_schedule_backoff(int64_t interval_ms, int failures,
						  int64_t floor_ms, int64_t cap_ms)
{
	int64_t		delay = interval_ms;
	int64_t		cap = interval_ms > cap_ms ? interval_ms : cap_ms;
	int			i;

	for (i = 1; i < failures && delay < cap; i++)
		delay *= 2;
	if (delay > cap)
		delay = cap;
	if (delay < floor_ms)
		delay = floor_ms;
	return delay;
}
