/*-------------------------------------------------------------------------
 *
 * extension/calendar.h
 *		Working calendars for C code inside the server: look a calendar up
 *		once, then add business time to an instant, measure it between two
 *		instants, or ask whether an instant is working.
 *
 * The meaning of "working" and the treatment of daylight saving time are
 * those of business_time.h: an instant works when the calendar's wall
 * clock shows a time inside a range that opens on a date that is not a
 * holiday.  Time zones are PostgreSQL's own.
 *
 * Shared state: each backend keeps its own cache of calendars, loaded on
 * first use and dropped whenever a statement changes leadflow.calendar,
 * calendar_hours or calendar_holiday in any backend; the next statement
 * of every backend then loads afresh.  A pointer returned by
 * leadflow_calendar_get stays valid until the end of the current
 * transaction, even if the cache drops it meanwhile.
 *
 * Calendars are read like catalog data: the rows last committed, plus
 * this transaction's own earlier changes, as of the time of loading, not
 * as of the transaction's snapshot.  A REPEATABLE READ transaction thus
 * sees a calendar changed by others from its next statement on.
 *
 * Every function here must be called inside a transaction with an active
 * snapshot (any SQL function or trigger has one; a background worker
 * pushes one), and raises ERROR on failure.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_CALENDAR_H
#define LEADFLOW_CALENDAR_H

#include "datatype/timestamp.h"

typedef struct LeadflowCalendar LeadflowCalendar;

/*
 * The calendar with this id.  Costs a hash lookup once cached; the first
 * use in a backend (or after a change) reads the three calendar tables.
 * ERROR with ERRCODE_UNDEFINED_OBJECT when there is no such calendar.
 */
extern const LeadflowCalendar *leadflow_calendar_get(int32 calendar_id);

/*
 * The earliest instant at which "seconds" business seconds have passed
 * since "from" (rounded to the microsecond).  Zero seconds return "from";
 * an infinite "from" is returned as it is.  ERROR for negative, NaN or
 * too large amounts (ERRCODE_INVALID_PARAMETER_VALUE), for a calendar
 * without working hours (ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE) and
 * for results past the end of the timestamp range
 * (ERRCODE_DATETIME_VALUE_OUT_OF_RANGE).
 */
extern TimestampTz leadflow_calendar_add(const LeadflowCalendar *cal,
										 TimestampTz from, double seconds);

/*
 * Business seconds from "from" to "to"; negative when from > to.  ERROR
 * (ERRCODE_DATETIME_VALUE_OUT_OF_RANGE) for infinite timestamps.
 */
extern double leadflow_calendar_seconds(const LeadflowCalendar *cal,
										TimestampTz from, TimestampTz to);

/*
 * Whether the instant is working.  ERROR
 * (ERRCODE_DATETIME_VALUE_OUT_OF_RANGE) for an infinite timestamp.
 */
extern bool leadflow_calendar_has_hours(const LeadflowCalendar *cal);
extern bool leadflow_calendar_is_working(const LeadflowCalendar *cal,
										 TimestampTz at);

#endif							/* LEADFLOW_CALENDAR_H */
