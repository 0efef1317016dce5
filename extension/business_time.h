/*-------------------------------------------------------------------------
 *
 * extension/business_time.h
 *		Business time on a weekly schedule with holidays: how many working
 *		seconds lie between two instants, and which instant is a given
 *		number of working seconds after another.
 *
 * Pure C with no PostgreSQL headers, so the cmocka unit tests link it
 * directly.  Instants are microseconds since 2000-01-01 00:00 UTC, the
 * unit of PostgreSQL's timestamptz, so the server passes its values
 * through unchanged.  Local wall-clock times use the same unit counted
 * from 2000-01-01 00:00 local time.
 *
 * The meaning of "working", which every function here follows:
 *
 *	 A schedule is a set of weekly ranges.  Each range opens on an ISO
 *	 weekday at a local time and closes later that day, or, on an
 *	 overnight schedule, up to 24 hours later on the next day.  A range
 *	 belongs to the local date it opens on, and a holiday removes every
 *	 range that opens on that date.  An instant is working when the wall
 *	 clock of the time zone, at that instant, shows a date and time that
 *	 lies inside a range that is not removed.  Business seconds are the
 *	 real elapsed seconds spent working.
 *
 * Daylight saving time follows from that rule and needs no special case:
 * wall-clock times skipped by a forward jump never show, so they count
 * nothing (a range 01:30-03:30 on a day that jumps from 02:00 to 03:00
 * holds one real hour); wall-clock times repeated by a backward jump show
 * twice and count both times (the same range on a day that falls back
 * from 03:00 to 02:00 holds three real hours).  The result of adding
 * business time is always a real instant, so no local time ever has to
 * be turned back into an instant by guessing.
 *
 * The time zone is hidden behind LfBtZone: given an instant, it returns
 * the UTC offset in force and an instant up to which that offset is known
 * to stay in force.  The server plugs in PostgreSQL's own time-zone code,
 * the unit tests plug in the C library's.
 *
 * Cost: no loop runs per second, minute or day.  Within a stretch of
 * constant UTC offset, whole weeks are counted with the weekly total, and
 * each holiday inside the span costs one step, so a call costs one step
 * per offset change (two a year in zones with daylight saving time) plus
 * one per holiday crossed.
 *
 * Shared state: none.  A schedule is immutable once built and may be read
 * by any number of callers.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_BUSINESS_TIME_H
#define LEADFLOW_BUSINESS_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LF_BT_USECS_PER_SEC		INT64_C(1000000)
#define LF_BT_USECS_PER_DAY		INT64_C(86400000000)
#define LF_BT_USECS_PER_WEEK	(7 * LF_BT_USECS_PER_DAY)

/*
 * The instants the functions accept and return: [LF_BT_MIN_INSTANT,
 * LF_BT_END_INSTANT), the same range PostgreSQL allows for timestamptz
 * (4714-11-24 BC to the end of 294276 AD).
 */
#define LF_BT_MIN_INSTANT		INT64_C(-211813488000000000)
#define LF_BT_END_INSTANT		INT64_C(9223371331200000000)

/* An LfBtZoneSpan.until meaning "this offset never changes again". */
#define LF_BT_FOREVER			INT64_MAX

/* Largest UTC offset a zone may report, in seconds (exclusive). */
#define LF_BT_MAX_UTC_OFFSET	(48 * 3600)

typedef enum LfBtStatus
{
	LF_BT_OK = 0,
	LF_BT_NO_WORKING_TIME,		/* the schedule has no working range */
	LF_BT_OUT_OF_RANGE,			/* an instant or span beyond the limits */
	LF_BT_NEGATIVE,				/* a negative amount of business time */
	LF_BT_NOT_A_NUMBER,			/* NaN seconds */
	LF_BT_BAD_WEEKDAY,			/* weekday not 1..7 */
	LF_BT_BAD_OPENS,			/* opening time not in [00:00, 24:00) */
	LF_BT_BAD_CLOSES,			/* closing time not in [00:00, 24:00] */
	LF_BT_CLOSES_NOT_AFTER_OPENS,	/* only on a schedule not overnight */
	LF_BT_OVERLAP,				/* two ranges share working time */
	LF_BT_ZONE_FAILED			/* the zone lookup failed or misbehaved */
} LfBtStatus;

/*
 * One weekly range as stored: ISO weekday (1 = Monday ... 7 = Sunday) of
 * the date it opens on, opening and closing time in microseconds after
 * local midnight.  closes may be 24:00 (LF_BT_USECS_PER_DAY).  On an
 * overnight schedule a closing time at or before the opening time falls
 * on the next day, so opens == closes is a range of 24 hours.
 */
typedef struct LfBtRange
{
	int			weekday;
	int64_t		opens;
	int64_t		closes;
} LfBtRange;

/* A built schedule; opaque, see leadflow_bt_schedule_build. */
typedef struct LfBtSchedule LfBtSchedule;

/*
 * What a zone reports for an instant: the UTC offset in force (local wall
 * time = instant + utc_offset seconds) and an instant "until" greater than
 * the one asked about, such that the same offset is in force at every
 * instant in [instant, until).  "until" may be earlier than the zone's
 * real next change; it must never be later.  LF_BT_FOREVER when no
 * change follows.
 */
typedef struct LfBtZoneSpan
{
	int32_t		utc_offset;
	int64_t		until;
} LfBtZoneSpan;

/*
 * Zone lookup: fills *span for the instant and returns LF_BT_OK, or
 * returns LF_BT_ZONE_FAILED.  The lookup may stop the computation by
 * other means (the server's checks for query cancel do); the functions
 * below hold no resources while they call it.
 */
typedef LfBtStatus (*LfBtZoneLookup) (void *arg, int64_t instant,
									  LfBtZoneSpan *span);

typedef struct LfBtZone
{
	LfBtZoneLookup lookup;
	void	   *arg;
} LfBtZone;

/*
 * Checks a set of ranges: weekday and times in range, closing after
 * opening (or overnight), and no two ranges sharing working time on the
 * weekly cycle, including an overnight range running into the next day
 * and Sunday's running into Monday.  On an error, *first and *second (when
 * not NULL) receive the input positions of the offending ranges; *second
 * is -1 unless the error is LF_BT_OVERLAP.
 */
extern LfBtStatus leadflow_bt_check_ranges(const LfBtRange *ranges,
										   int nranges, bool overnight,
										   int *first, int *second);

/* Bytes a schedule of this many ranges and holidays needs. */
extern size_t leadflow_bt_schedule_size(int nranges, int nholidays);

/*
 * Builds a schedule into mem (at least leadflow_bt_schedule_size bytes,
 * suitably aligned for int64_t; malloc and palloc memory are).  Holidays
 * are local dates as days since 2000-01-01 (PostgreSQL's date unit), in
 * any order, duplicates allowed.  The schedule points into mem only, so
 * freeing mem frees it.  Returns what leadflow_bt_check_ranges returns
 * for the ranges; *schedule is set only on LF_BT_OK.
 */
extern LfBtStatus leadflow_bt_schedule_build(void *mem, size_t size,
											 const LfBtRange *ranges,
											 int nranges, bool overnight,
											 const int32_t *holidays,
											 int nholidays,
											 LfBtSchedule **schedule);

/* Working microseconds in a normal week (holidays ignored). */
extern int64_t leadflow_bt_week_total(const LfBtSchedule *schedule);

/*
 * Business microseconds from "from" to "to".  When from > to, the result
 * is the negative of the business time from "to" to "from".  Both must be
 * valid instants, and to - from must fit in 64 bits (about 292,000
 * years), else LF_BT_OUT_OF_RANGE.
 */
extern LfBtStatus leadflow_bt_seconds(const LfBtSchedule *schedule,
									  const LfBtZone *zone,
									  int64_t from, int64_t to,
									  int64_t *usecs);

/*
 * The earliest instant at which usecs business microseconds have passed
 * since "from".  Adding zero returns "from" itself, working or not; an
 * amount that runs out exactly where a range closes returns that closing
 * instant, not the next opening.  A negative amount is refused with
 * LF_BT_NEGATIVE (business time is only added forward), a schedule with
 * no ranges with LF_BT_NO_WORKING_TIME, and a result past the last valid
 * instant with LF_BT_OUT_OF_RANGE.
 */
extern LfBtStatus leadflow_bt_add(const LfBtSchedule *schedule,
								  const LfBtZone *zone,
								  int64_t from, int64_t usecs,
								  int64_t *result);

/* Whether the instant "at" is working. */
extern LfBtStatus leadflow_bt_is_working(const LfBtSchedule *schedule,
										 const LfBtZone *zone,
										 int64_t at, bool *working);

/*
 * Converts seconds to whole microseconds, rounding to the nearest one.
 * Refuses NaN (LF_BT_NOT_A_NUMBER), negative amounts (LF_BT_NEGATIVE) and
 * amounts that do not fit (LF_BT_OUT_OF_RANGE, infinity included).
 */
extern LfBtStatus leadflow_bt_usecs_from_seconds(double seconds,
												 int64_t *usecs);

#endif							/* LEADFLOW_BUSINESS_TIME_H */
