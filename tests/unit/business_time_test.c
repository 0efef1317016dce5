/*-------------------------------------------------------------------------
 *
 * tests/unit/business_time_test.c
 *		cmocka tests of the business-time arithmetic in
 *		extension/business_time.c.
 *
 * Time zones come from the C library (TZ, tzset, localtime_r) through a
 * small adapter, or from scripted fake zones where a test needs exact
 * control.  Every expected value is derived next to its test: by hand
 * from the calendar and the zone's offsets, or by the independent oracle
 * tests/unit/business_time_oracle.py (Python zoneinfo, one minute at a
 * time), whose case name is then given as "oracle: name".
 *
 * Offsets used in the derivations: Europe/Berlin UTC+1, UTC+2 from the
 * last Sunday of March 02:00 to the last Sunday of October 03:00 (2024:
 * March 31 and October 27).  America/New_York UTC-5, UTC-4 from 2024-03-10
 * 02:00 to 2024-11-03 02:00.  America/Sao_Paulo UTC-3, UTC-2 from
 * 2018-11-04 00:00 to 2019-02-17 00:00 (clocks back to 02-16 23:00).
 * Asia/Ho_Chi_Minh UTC+7 all year.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "business_time.h"

#define USEC		LF_BT_USECS_PER_SEC
#define MIN_US		(60 * USEC)
#define HOUR_US		(3600 * USEC)
#define DAY_US		LF_BT_USECS_PER_DAY

/* Seconds from 1970-01-01 to 2000-01-01. */
#define UNIX_TO_2000	INT64_C(946684800)

/*
 * test_days_from_civil
 *		Days from 2000-01-01 to a proleptic Gregorian date.
 */
static int64_t
test_days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe;
	int64_t		doy;
	int64_t		doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - 10957;
}

/*
 * utc
 *		An instant given as a UTC date and time.
 */
static int64_t
utc(int64_t y, int mo, int d, int h, int mi, int s)
{
	return test_days_from_civil(y, mo, d) * DAY_US +
		h * HOUR_US + mi * MIN_US + s * USEC;
}

/*
 * day
 *		A local date as days since 2000-01-01, for holidays.
 */
static int32_t
day(int y, int mo, int d)
{
	return (int32_t) test_days_from_civil(y, mo, d);
}

/*
 * hm
 *		Hours and minutes after midnight, for range times.
 */
static int64_t
hm(int h, int mi)
{
	return h * HOUR_US + mi * MIN_US;
}

/* ---------------------------------------------------------------------
 * Zones
 * ---------------------------------------------------------------------
 */

/*
 * test_floor_div
 *		Division rounding toward minus infinity, b > 0.
 */
static int64_t
test_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/*
 * libc_offset
 *		UTC offset in seconds that the C library's TZ gives at a Unix time.
 */
static long
libc_offset(time_t t)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

/*
 * libc_lookup
 *		LfBtZone lookup over the C library's current TZ.  Probes a day at
 *		a time for up to 40 days, then narrows a change down to the second;
 *		with no change found it promises only those 40 days, which the
 *		contract allows.
 */
static LfBtStatus
libc_lookup(void *arg, int64_t instant, LfBtZoneSpan *span)
{
	time_t		t = (time_t) (test_floor_div(instant, USEC) + UNIX_TO_2000);
	long		offset = libc_offset(t);
	time_t		lo = t;
	int			i;

	(void) arg;
	span->utc_offset = (int32_t) offset;
	for (i = 1; i <= 40; i++)
	{
		time_t		hi = t + (time_t) i * 86400;

		if (libc_offset(hi) != offset)
		{
			while (hi - lo > 1)
			{
				time_t		mid = lo + (hi - lo) / 2;

				if (libc_offset(mid) == offset)
					lo = mid;
				else
					hi = mid;
			}
			span->until = ((int64_t) hi - UNIX_TO_2000) * USEC;
			return LF_BT_OK;
		}
		lo = hi;
	}
	span->until = ((int64_t) lo - UNIX_TO_2000) * USEC;
	return LF_BT_OK;
}

/*
 * tz
 *		Switches the C library to an IANA zone and returns its adapter.
 */
static LfBtZone
tz(const char *name)
{
	LfBtZone	zone = {libc_lookup, NULL};

	setenv("TZ", name, 1);
	tzset();
	return zone;
}

/*
 * A scripted zone: offsets[i] is in force before changes[i], the last
 * offset after every change.  "reach" caps how far a span may promise
 * (0 for no cap), to exercise callers with short spans.  "broken" makes
 * the lookup misbehave in the numbered way.
 */
typedef struct FakeZone
{
	int			nchanges;
	int64_t		changes[4];
	int32_t		offsets[5];
	int64_t		reach;
	int			broken;
} FakeZone;

/*
 * fake_lookup
 *		LfBtZone lookup over a FakeZone.
 */
static LfBtStatus
fake_lookup(void *arg, int64_t instant, LfBtZoneSpan *span)
{
	FakeZone   *fz = arg;
	int			i = 0;

	if (fz->broken == 1)
		return LF_BT_ZONE_FAILED;
	while (i < fz->nchanges && instant >= fz->changes[i])
		i++;
	span->utc_offset = fz->offsets[i];
	span->until = i < fz->nchanges ? fz->changes[i] : LF_BT_FOREVER;
	if (fz->reach > 0 && span->until - instant > fz->reach)
		span->until = instant + fz->reach;
	if (fz->broken == 2)
		span->until = instant;
	if (fz->broken == 3)
		span->utc_offset = 50 * 3600;
	return LF_BT_OK;
}

/*
 * fake
 *		An LfBtZone over a FakeZone.
 */
static LfBtZone
fake(FakeZone *fz)
{
	LfBtZone	zone = {fake_lookup, fz};

	return zone;
}

/* ---------------------------------------------------------------------
 * Schedules and shorthand calls
 * ---------------------------------------------------------------------
 */

/*
 * build
 *		Builds a schedule in malloc'd memory; the test frees it.
 */
static LfBtSchedule *
build(const LfBtRange *ranges, int nranges, bool overnight,
	  const int32_t *holidays, int nholidays)
{
	size_t		size = leadflow_bt_schedule_size(nranges, nholidays);
	void	   *mem = malloc(size);
	LfBtSchedule *s = NULL;

	assert_non_null(mem);
	assert_int_equal(leadflow_bt_schedule_build(mem, size, ranges, nranges,
												overnight, holidays,
												nholidays, &s),
					 LF_BT_OK);
	assert_ptr_equal(s, mem);
	return s;
}

/*
 * weekdays
 *		Fills ranges with the same hours Monday to Friday; returns 5.
 */
static int
weekdays(LfBtRange *ranges, int64_t opens, int64_t closes)
{
	int			w;

	for (w = 1; w <= 5; w++)
	{
		ranges[w - 1].weekday = w;
		ranges[w - 1].opens = opens;
		ranges[w - 1].closes = closes;
	}
	return 5;
}

/*
 * office / office_with
 *		Monday to Friday 09:00-17:00, optionally with holidays.
 */
static LfBtSchedule *
office_with(const int32_t *holidays, int nholidays)
{
	LfBtRange	r[5];

	return build(r, weekdays(r, hm(9, 0), hm(17, 0)), false,
				 holidays, nholidays);
}

static LfBtSchedule *
office(void)
{
	return office_with(NULL, 0);
}

/*
 * secs
 *		Business microseconds between two instants; asserts success.
 */
static int64_t
secs(const LfBtSchedule *s, LfBtZone zone, int64_t from, int64_t to)
{
	int64_t		usecs = -42;

	assert_int_equal(leadflow_bt_seconds(s, &zone, from, to, &usecs),
					 LF_BT_OK);
	return usecs;
}

/*
 * add
 *		Instant after adding business microseconds; asserts success.
 */
static int64_t
add(const LfBtSchedule *s, LfBtZone zone, int64_t from, int64_t usecs)
{
	int64_t		result = -42;

	assert_int_equal(leadflow_bt_add(s, &zone, from, usecs, &result),
					 LF_BT_OK);
	return result;
}

/*
 * working
 *		Whether an instant is working; asserts success.
 */
static bool
working(const LfBtSchedule *s, LfBtZone zone, int64_t at)
{
	bool		result = false;

	assert_int_equal(leadflow_bt_is_working(s, &zone, at, &result),
					 LF_BT_OK);
	return result;
}

/* ---------------------------------------------------------------------
 * A plain office in Berlin, June 2024 (UTC+2); 2024-06-03 is a Monday.
 * ---------------------------------------------------------------------
 */

/* Mon 10:00 to 12:00 local (08:00-10:00 UTC): two working hours. */
static void
test_office_same_day(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 6, 3, 8, 0, 0),
						  utc(2024, 6, 3, 10, 0, 0)), 2 * HOUR_US);
	free(s);
}

/*
 * Fri 16:00 to Mon 10:00 local: Friday 16-17 plus Monday 9-10, two hours
 * (oracle: office_weekend_seconds = 7200).
 */
static void
test_office_over_weekend(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 6, 7, 14, 0, 0),
						  utc(2024, 6, 10, 8, 0, 0)), 2 * HOUR_US);
	free(s);
}

/* Arrival Mon 07:00, before opening: to 10:00 counts only 9-10. */
static void
test_office_arrival_before_opening(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 6, 3, 5, 0, 0),
						  utc(2024, 6, 3, 8, 0, 0)), HOUR_US);
	free(s);
}

/* Arrival Mon 18:00, after closing: to Tue 10:00 counts only Tue 9-10. */
static void
test_office_arrival_after_closing(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 6, 3, 16, 0, 0),
						  utc(2024, 6, 4, 8, 0, 0)), HOUR_US);
	free(s);
}

/* Arrival Sat 12:00: to Mon 09:30 counts Mon 9:00-9:30, half an hour. */
static void
test_office_arrival_on_weekend(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 6, 8, 10, 0, 0),
						  utc(2024, 6, 10, 7, 30, 0)), 30 * MIN_US);
	free(s);
}

/* from > to gives the negative of the reverse; from == to gives zero. */
static void
test_office_reverse_and_empty(void **state)
{
	LfBtSchedule *s = office();
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 6, 3, 10, 0, 0),
						  utc(2024, 6, 3, 8, 0, 0)), -2 * HOUR_US);
	assert_int_equal(secs(s, z, utc(2024, 6, 3, 8, 0, 0),
						  utc(2024, 6, 3, 8, 0, 0)), 0);
	free(s);
}

/* Mon 10:00 local plus one hour is 11:00 local, 09:00 UTC. */
static void
test_office_add_same_day(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(add(s, tz("Europe/Berlin"), utc(2024, 6, 3, 8, 0, 0),
						 HOUR_US), utc(2024, 6, 3, 9, 0, 0));
	free(s);
}

/*
 * Mon 09:00 plus eight hours ends exactly at closing, 17:00 local (15:00
 * UTC), not at Tuesday's opening.
 */
static void
test_office_add_lands_on_closing(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(add(s, tz("Europe/Berlin"), utc(2024, 6, 3, 7, 0, 0),
						 8 * HOUR_US), utc(2024, 6, 3, 15, 0, 0));
	free(s);
}

/* Mon 16:00 plus two hours: 16-17, then Tue 9-10, so Tue 10:00 local. */
static void
test_office_add_over_night(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(add(s, tz("Europe/Berlin"), utc(2024, 6, 3, 14, 0, 0),
						 2 * HOUR_US), utc(2024, 6, 4, 8, 0, 0));
	free(s);
}

/* Sat 10:00 plus one second: Mon 09:00:01 local, 07:00:01 UTC. */
static void
test_office_add_from_weekend(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(add(s, tz("Europe/Berlin"), utc(2024, 6, 8, 8, 0, 0),
						 USEC), utc(2024, 6, 10, 7, 0, 1));
	free(s);
}

/* Adding zero returns the start itself, on a weekend or at opening. */
static void
test_add_zero_returns_from(void **state)
{
	LfBtSchedule *s = office();
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(add(s, z, utc(2024, 6, 8, 8, 0, 0), 0),
					 utc(2024, 6, 8, 8, 0, 0));
	assert_int_equal(add(s, z, utc(2024, 6, 3, 7, 0, 0), 0),
					 utc(2024, 6, 3, 7, 0, 0));
	free(s);
}

/* Ranges are half-open: 09:00 works, 17:00 does not. */
static void
test_office_is_working_edges(void **state)
{
	LfBtSchedule *s = office();
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_true(working(s, z, utc(2024, 6, 3, 7, 0, 0)));
	assert_false(working(s, z, utc(2024, 6, 3, 7, 0, 0) - 1));
	assert_true(working(s, z, utc(2024, 6, 3, 15, 0, 0) - 1));
	assert_false(working(s, z, utc(2024, 6, 3, 15, 0, 0)));
	assert_false(working(s, z, utc(2024, 6, 8, 10, 0, 0)));
	free(s);
}

/*
 * 2024-02-01 12:00 CET to 2024-05-01 12:00 CEST, across the March change:
 * Feb 1 afternoon 5 h, 20 + 21 + 22 full weekdays in Feb 2-29, March and
 * April, May 1 morning 3 h: 64 days of 8 h = 1843200 s (oracle:
 * office_3_months_no_holiday).  Adding it back lands on May 1 12:00.
 */
static void
test_office_three_months(void **state)
{
	LfBtSchedule *s = office();
	LfBtZone	z = tz("Europe/Berlin");
	int64_t		from = utc(2024, 2, 1, 11, 0, 0);

	(void) state;
	assert_int_equal(secs(s, z, from, utc(2024, 5, 1, 10, 0, 0)),
					 1843200 * USEC);
	assert_int_equal(add(s, z, from, 1843200 * USEC),
					 utc(2024, 5, 1, 10, 0, 0));
	free(s);
}

/*
 * The whole of 2024 in Berlin (local midnight to local midnight): 2024
 * starts on a Monday and has 366 days, 52 weeks and two weekdays, so 262
 * days of 8 h = 7545600 s (oracle: year_office_seconds).
 */
static void
test_office_year(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2023, 12, 31, 23, 0, 0),
						  utc(2024, 12, 31, 23, 0, 0)), 7545600 * USEC);
	free(s);
}

/* ---------------------------------------------------------------------
 * Lunch breaks in Ho Chi Minh City (UTC+7): Mon-Fri 08:00-12:00 and
 * 13:00-17:30, Sat 08:00-12:00.
 * ---------------------------------------------------------------------
 */

/*
 * lunch
 *		The Ho Chi Minh City calendar.
 */
static LfBtSchedule *
lunch(void)
{
	LfBtRange	r[11];

	weekdays(r, hm(8, 0), hm(12, 0));
	weekdays(r + 5, hm(13, 0), hm(17, 30));
	r[10].weekday = 6;
	r[10].opens = hm(8, 0);
	r[10].closes = hm(12, 0);
	return build(r, 11, false, NULL, 0);
}

/* Mon 11:00 to 14:00 local: 11-12 and 13-14, the lunch hour left out. */
static void
test_lunch_gap_seconds(void **state)
{
	LfBtSchedule *s = lunch();

	(void) state;
	assert_int_equal(secs(s, tz("Asia/Ho_Chi_Minh"), utc(2024, 6, 3, 4, 0, 0),
						  utc(2024, 6, 3, 7, 0, 0)), 2 * HOUR_US);
	free(s);
}

/* Mon 11:30 plus one hour: 11:30-12:00, 13:00-13:30, so 13:30 local. */
static void
test_lunch_add_across_gap(void **state)
{
	LfBtSchedule *s = lunch();

	(void) state;
	assert_int_equal(add(s, tz("Asia/Ho_Chi_Minh"), utc(2024, 6, 3, 4, 30, 0),
						 HOUR_US), utc(2024, 6, 3, 6, 30, 0));
	free(s);
}

/* Mon 11:00 plus one hour ends exactly at 12:00 local, not 13:00. */
static void
test_lunch_add_lands_on_gap(void **state)
{
	LfBtSchedule *s = lunch();

	(void) state;
	assert_int_equal(add(s, tz("Asia/Ho_Chi_Minh"), utc(2024, 6, 3, 4, 0, 0),
						 HOUR_US), utc(2024, 6, 3, 5, 0, 0));
	free(s);
}

/*
 * Sat 11:00 to Mon 09:00 local: Sat 11-12 and Mon 8-9.  Sat 11:30 plus
 * three hours: Sat 0.5 h, Mon 08:00-10:30, so Mon 10:30 local = 03:30
 * UTC (oracle: lunch_add_over_weekend).
 */
static void
test_lunch_saturday_half_day(void **state)
{
	LfBtSchedule *s = lunch();
	LfBtZone	z = tz("Asia/Ho_Chi_Minh");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 6, 8, 4, 0, 0),
						  utc(2024, 6, 10, 2, 0, 0)), 2 * HOUR_US);
	assert_int_equal(add(s, z, utc(2024, 6, 8, 4, 30, 0), 3 * HOUR_US),
					 utc(2024, 6, 10, 3, 30, 0));
	free(s);
}

/* 12:30 is lunch; 13:00 works again; 17:30 is closed. */
static void
test_lunch_is_working(void **state)
{
	LfBtSchedule *s = lunch();
	LfBtZone	z = tz("Asia/Ho_Chi_Minh");

	(void) state;
	assert_false(working(s, z, utc(2024, 6, 3, 5, 30, 0)));
	assert_true(working(s, z, utc(2024, 6, 3, 6, 0, 0)));
	assert_true(working(s, z, utc(2024, 6, 3, 10, 29, 0)));
	assert_false(working(s, z, utc(2024, 6, 3, 10, 30, 0)));
	free(s);
}

/* ---------------------------------------------------------------------
 * Daylight saving time
 * ---------------------------------------------------------------------
 */

/*
 * one_range
 *		A calendar of one weekly range.
 */
static LfBtSchedule *
one_range(int weekday, int64_t opens, int64_t closes)
{
	LfBtRange	r = {weekday, opens, closes};

	return build(&r, 1, false, NULL, 0);
}

/*
 * Berlin, Sunday 01:30-03:30 on 2024-03-31: 01:30-02:00 CET (00:30-01:00
 * UTC), then clocks jump to 03:00 CEST, 03:00-03:30 CEST (01:00-01:30
 * UTC): one real hour (oracle: ber_spring_night = 3600).
 */
static void
test_berlin_spring_forward_range_shorter(void **state)
{
	LfBtSchedule *s = one_range(7, hm(1, 30), hm(3, 30));

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 3, 30, 0, 0, 0),
						  utc(2024, 4, 1, 0, 0, 0)), HOUR_US);
	free(s);
}

/*
 * Berlin, the same range on 2024-10-27: 01:30-03:00 CEST (23:30-01:00
 * UTC), clocks back to 02:00 CET, 02:00-03:30 CET (01:00-02:30 UTC):
 * three real hours (oracle: ber_fall_night = 10800).
 */
static void
test_berlin_fall_back_range_longer(void **state)
{
	LfBtSchedule *s = one_range(7, hm(1, 30), hm(3, 30));

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 10, 26, 0, 0, 0),
						  utc(2024, 10, 28, 0, 0, 0)), 3 * HOUR_US);
	free(s);
}

/*
 * From Saturday noon, 30 minutes run 00:30-01:00 UTC, where CET ends: the
 * result is 01:00 UTC (shown as 03:00 CEST).  45 minutes add 15 more
 * minutes of CEST: 01:15 UTC (oracle: ber_spring_add_1800/2700).
 */
static void
test_berlin_spring_forward_add(void **state)
{
	LfBtSchedule *s = one_range(7, hm(1, 30), hm(3, 30));
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(add(s, z, utc(2024, 3, 30, 12, 0, 0), 30 * MIN_US),
					 utc(2024, 3, 31, 1, 0, 0));
	assert_int_equal(add(s, z, utc(2024, 3, 30, 12, 0, 0), 45 * MIN_US),
					 utc(2024, 3, 31, 1, 15, 0));
	free(s);
}

/*
 * From Sunday 00:00 CEST (Sat 22:00 UTC), two hours: the range opens at
 * 23:30 UTC, so 01:30 UTC, which the wall clock shows as 02:30 CET, the
 * second 02:30 of the night (oracle: ber_fall_add_7200).
 */
static void
test_berlin_fall_back_add(void **state)
{
	LfBtSchedule *s = one_range(7, hm(1, 30), hm(3, 30));

	(void) state;
	assert_int_equal(add(s, tz("Europe/Berlin"), utc(2024, 10, 26, 22, 0, 0),
						 2 * HOUR_US), utc(2024, 10, 27, 1, 30, 0));
	free(s);
}

/*
 * 02:45 shows twice on 2024-10-27, at 00:45 UTC (CEST) and 01:45 UTC
 * (CET); both are working.  03:30 CET (02:30 UTC) is closed, and so is
 * 01:29 CEST (23:29 UTC on Saturday).
 */
static void
test_berlin_fall_back_is_working_twice(void **state)
{
	LfBtSchedule *s = one_range(7, hm(1, 30), hm(3, 30));
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_true(working(s, z, utc(2024, 10, 27, 0, 45, 0)));
	assert_true(working(s, z, utc(2024, 10, 27, 1, 45, 0)));
	assert_false(working(s, z, utc(2024, 10, 27, 2, 30, 0)));
	assert_false(working(s, z, utc(2024, 10, 26, 23, 29, 0)));
	free(s);
}

/*
 * Office hours keep their wall-clock length across the change: Fri
 * 2024-03-29 12:00 CET to Mon 2024-04-01 12:00 CEST is 5 h + 3 h
 * (oracle: ber_office_across_spring = 28800), though only 71 real hours
 * pass.  Fri 2024-10-25 16:00 CEST plus two hours: 16-17, Mon 9-10 CET,
 * so 09:00 UTC (oracle: ber_office_across_fall_add).
 */
static void
test_berlin_office_across_changes(void **state)
{
	LfBtSchedule *s = office();
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 3, 29, 11, 0, 0),
						  utc(2024, 4, 1, 10, 0, 0)), 8 * HOUR_US);
	assert_int_equal(add(s, z, utc(2024, 10, 25, 14, 0, 0), 2 * HOUR_US),
					 utc(2024, 10, 28, 9, 0, 0));
	free(s);
}

/*
 * New York, Sunday 00:30-02:30 on 2024-03-10: 00:30-02:00 EST, then 02:00
 * jumps to 03:00 EDT, past the closing time: 1.5 h (oracle:
 * ny_spring_night = 5400).
 */
static void
test_new_york_spring_forward(void **state)
{
	LfBtSchedule *s = one_range(7, hm(0, 30), hm(2, 30));

	(void) state;
	assert_int_equal(secs(s, tz("America/New_York"), utc(2024, 3, 9, 0, 0, 0),
						  utc(2024, 3, 12, 0, 0, 0)), 90 * MIN_US);
	free(s);
}

/*
 * New York, the same range on 2024-11-03: 00:30-02:00 EDT (04:30-06:00
 * UTC), clocks back to 01:00 EST, 01:00-02:30 EST (06:00-07:30 UTC):
 * 3 h (oracle: ny_fall_night = 10800).
 */
static void
test_new_york_fall_back(void **state)
{
	LfBtSchedule *s = one_range(7, hm(0, 30), hm(2, 30));

	(void) state;
	assert_int_equal(secs(s, tz("America/New_York"), utc(2024, 11, 2, 0, 0, 0),
						  utc(2024, 11, 5, 0, 0, 0)), 3 * HOUR_US);
	free(s);
}

/*
 * From 01:00 EDT (05:00 UTC) on 2024-11-03: one hour ends at 06:00 UTC,
 * the instant the clock goes back to 01:00 EST; 1.5 h ends at 06:30 UTC,
 * 01:30 EST (oracle: ny_fall_add_3600/5400).
 */
static void
test_new_york_fall_back_add(void **state)
{
	LfBtSchedule *s = one_range(7, hm(0, 30), hm(2, 30));
	LfBtZone	z = tz("America/New_York");

	(void) state;
	assert_int_equal(add(s, z, utc(2024, 11, 3, 5, 0, 0), HOUR_US),
					 utc(2024, 11, 3, 6, 0, 0));
	assert_int_equal(add(s, z, utc(2024, 11, 3, 5, 0, 0), 90 * MIN_US),
					 utc(2024, 11, 3, 6, 30, 0));
	free(s);
}

/*
 * Office hours in New York: Fri 2024-03-08 16:00 EST (21:00 UTC) to Mon
 * 2024-03-11 10:00 EDT (14:00 UTC) is 16-17 and 9-10 (oracle:
 * ny_office_across_spring = 7200).  Fri 2024-11-01 16:00 EDT plus three
 * hours: 16-17, Mon 9-11 EST, so 16:00 UTC (oracle:
 * ny_office_add_across_fall).
 */
static void
test_new_york_office_across_changes(void **state)
{
	LfBtSchedule *s = office();
	LfBtZone	z = tz("America/New_York");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 3, 8, 21, 0, 0),
						  utc(2024, 3, 11, 14, 0, 0)), 2 * HOUR_US);
	assert_int_equal(add(s, z, utc(2024, 11, 1, 20, 0, 0), 3 * HOUR_US),
					 utc(2024, 11, 4, 16, 0, 0));
	free(s);
}

/*
 * Sao Paulo jumped from 2018-11-04 00:00 to 01:00: a Sunday range
 * 00:00-02:00 holds only 01:00-02:00, one hour (oracle: sp_spring_sunday).
 */
static void
test_sao_paulo_spring_forward_at_midnight(void **state)
{
	LfBtSchedule *s = one_range(7, hm(0, 0), hm(2, 0));

	(void) state;
	assert_int_equal(secs(s, tz("America/Sao_Paulo"), utc(2018, 11, 3, 0, 0, 0),
						  utc(2018, 11, 6, 0, 0, 0)), HOUR_US);
	free(s);
}

/*
 * Sao Paulo went back from 2019-02-17 00:00 to 02-16 23:00: a Saturday
 * range 22:00-24:00 on 02-16 runs 22:00-24:00 at UTC-2 (00:00-02:00 UTC)
 * and again 23:00-24:00 at UTC-3 (02:00-03:00 UTC): three hours (oracle:
 * sp_fall_saturday = 10800).  Two hours from Saturday noon end at 02:00
 * UTC, 2.5 hours at 02:30 UTC (oracle: sp_fall_add_7200/9000).
 */
static void
test_sao_paulo_fall_back_at_midnight(void **state)
{
	LfBtSchedule *s = one_range(6, hm(22, 0), hm(24, 0));
	LfBtZone	z = tz("America/Sao_Paulo");

	(void) state;
	assert_int_equal(secs(s, z, utc(2019, 2, 15, 0, 0, 0),
						  utc(2019, 2, 18, 0, 0, 0)), 3 * HOUR_US);
	assert_int_equal(add(s, z, utc(2019, 2, 16, 12, 0, 0), 2 * HOUR_US),
					 utc(2019, 2, 17, 2, 0, 0));
	assert_int_equal(add(s, z, utc(2019, 2, 16, 12, 0, 0), 150 * MIN_US),
					 utc(2019, 2, 17, 2, 30, 0));
	free(s);
}

/*
 * Office hours in Sao Paulo across the 2018 change: Fri 2018-11-02 16:00
 * UTC-3 (19:00 UTC) to Mon 11-05 10:00 UTC-2 (12:00 UTC) is 16-17 and
 * 9-10 (oracle: sp_office_across_spring = 7200).
 */
static void
test_sao_paulo_office_across_change(void **state)
{
	LfBtSchedule *s = office();

	(void) state;
	assert_int_equal(secs(s, tz("America/Sao_Paulo"),
						  utc(2018, 11, 2, 19, 0, 0),
						  utc(2018, 11, 5, 12, 0, 0)), 2 * HOUR_US);
	free(s);
}

/* ---------------------------------------------------------------------
 * Holidays: Berlin office closed 2024-12-25, 12-26, 2025-01-01 and (a
 * Saturday, so changing nothing) 2024-12-28.  Winter: UTC+1.
 * ---------------------------------------------------------------------
 */

static const int32_t *
xmas_days(void)
{
	static int32_t days[4];

	days[0] = day(2024, 12, 25);
	days[1] = day(2024, 12, 26);
	days[2] = day(2025, 1, 1);
	days[3] = day(2024, 12, 28);
	return days;
}

/*
 * Tue 12-24 16:00 to Fri 12-27 10:00 local: 16-17 on the 24th and 9-10 on
 * the 27th; the 25th and 26th count nothing (oracle: xmas_seconds).
 */
static void
test_holidays_skipped_in_seconds(void **state)
{
	LfBtSchedule *s = office_with(xmas_days(), 4);

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 12, 24, 15, 0, 0),
						  utc(2024, 12, 27, 9, 0, 0)), 2 * HOUR_US);
	free(s);
}

/*
 * Tue 12-24 16:00 plus two hours: 16-17, then Fri 12-27 9-10.  Plus one
 * hour it ends exactly at Tuesday's closing, 17:00 CET (16:00 UTC), right
 * before the holidays, not after them.
 */
static void
test_holidays_skipped_in_add(void **state)
{
	LfBtSchedule *s = office_with(xmas_days(), 4);
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(add(s, z, utc(2024, 12, 24, 15, 0, 0), 2 * HOUR_US),
					 utc(2024, 12, 27, 9, 0, 0));
	assert_int_equal(add(s, z, utc(2024, 12, 24, 15, 0, 0), HOUR_US),
					 utc(2024, 12, 24, 16, 0, 0));
	free(s);
}

/* From inside a holiday's hours (12-25 10:00), one hour ends 12-27 10:00. */
static void
test_add_from_inside_holiday(void **state)
{
	LfBtSchedule *s = office_with(xmas_days(), 4);

	(void) state;
	assert_int_equal(add(s, tz("Europe/Berlin"), utc(2024, 12, 25, 9, 0, 0),
						 HOUR_US), utc(2024, 12, 27, 9, 0, 0));
	assert_false(working(s, tz("Europe/Berlin"), utc(2024, 12, 25, 9, 0, 0)));
	free(s);
}

/*
 * A holiday on Saturday 12-28 removes nothing: Fri 12-27 12:00 to Mon
 * 12-30 12:00 is 5 h + 3 h with or without it.
 */
static void
test_holiday_on_weekend_changes_nothing(void **state)
{
	LfBtSchedule *s = office_with(xmas_days(), 4);
	LfBtSchedule *plain = office();
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 12, 27, 11, 0, 0),
						  utc(2024, 12, 30, 11, 0, 0)), 8 * HOUR_US);
	assert_int_equal(secs(plain, z, utc(2024, 12, 27, 11, 0, 0),
						  utc(2024, 12, 30, 11, 0, 0)), 8 * HOUR_US);
	free(s);
	free(plain);
}

/*
 * Fri 12-20 12:00 to Fri 2025-01-03 12:00: 5 h, full days 23, 24, 27, 30,
 * 31 and Jan 2 (48 h), 3 h: 56 h = 201600 s (oracle:
 * xmas_new_year_seconds).  Holidays given twice and unsorted change
 * nothing.
 */
static void
test_holidays_two_weeks_duplicates(void **state)
{
	int32_t		twice[8];
	LfBtSchedule *s;
	int			i;

	(void) state;
	for (i = 0; i < 4; i++)
		twice[i] = twice[7 - i] = xmas_days()[i];
	s = office_with(twice, 8);
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 12, 20, 11, 0, 0),
						  utc(2025, 1, 3, 11, 0, 0)), 201600 * USEC);
	free(s);
}

/* ---------------------------------------------------------------------
 * Overnight ranges
 * ---------------------------------------------------------------------
 */

/*
 * night_shift
 *		Mon-Fri 22:00-06:00 (overnight), optionally with holidays.
 */
static LfBtSchedule *
night_shift(const int32_t *holidays, int nholidays)
{
	LfBtRange	r[5];

	return build(r, weekdays(r, hm(22, 0), hm(6, 0)), true,
				 holidays, nholidays);
}

/* Mon 20:00 to Tue 08:00 (Berlin summer): the whole night, 8 h. */
static void
test_overnight_seconds(void **state)
{
	LfBtSchedule *s = night_shift(NULL, 0);

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 6, 3, 18, 0, 0),
						  utc(2024, 6, 4, 6, 0, 0)), 8 * HOUR_US);
	free(s);
}

/*
 * Mon 2024-06-03 00:00 to the next Monday: five nights of 8 h, 144000 s
 * (oracle: shift_week).  A holiday on Tuesday 06-04 removes the night
 * opening on Tuesday, not Monday's night that ends on Tuesday: 115200 s
 * (oracle: shift_hol_week).
 */
static void
test_overnight_holiday_owns_opening_date(void **state)
{
	int32_t		tuesday = day(2024, 6, 4);
	LfBtSchedule *s = night_shift(NULL, 0);
	LfBtSchedule *h = night_shift(&tuesday, 1);
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 6, 2, 22, 0, 0),
						  utc(2024, 6, 9, 22, 0, 0)), 144000 * USEC);
	assert_int_equal(secs(h, z, utc(2024, 6, 2, 22, 0, 0),
						  utc(2024, 6, 9, 22, 0, 0)), 115200 * USEC);
	assert_true(working(h, z, utc(2024, 6, 4, 2, 0, 0)));
	assert_false(working(h, z, utc(2024, 6, 4, 20, 0, 0)));
	free(s);
	free(h);
}

/*
 * Friday's night runs into Saturday (Sat 03:00 works); Saturday 22:00
 * does not; Monday 03:00 does not, as Sunday has no night.
 */
static void
test_overnight_friday_into_saturday(void **state)
{
	LfBtSchedule *s = night_shift(NULL, 0);
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_true(working(s, z, utc(2024, 6, 8, 1, 0, 0)));
	assert_false(working(s, z, utc(2024, 6, 8, 20, 0, 0)));
	assert_false(working(s, z, utc(2024, 6, 3, 1, 0, 0)));
	free(s);
}

/* Tue 05:00 plus two hours: 05-06 of Monday's night, 22-23 Tuesday. */
static void
test_overnight_add(void **state)
{
	LfBtSchedule *s = night_shift(NULL, 0);

	(void) state;
	assert_int_equal(add(s, tz("Europe/Berlin"), utc(2024, 6, 4, 3, 0, 0),
						 2 * HOUR_US), utc(2024, 6, 4, 21, 0, 0));
	free(s);
}

/*
 * A Sunday range 20:00-04:00 wraps into Monday: Mon 00:00 to 06:00 holds
 * 4 h.  With Sunday 06-09 a holiday, the part on Monday goes too.
 */
static void
test_overnight_sunday_into_monday(void **state)
{
	LfBtRange	r = {7, hm(20, 0), hm(4, 0)};
	int32_t		sunday = day(2024, 6, 9);
	LfBtSchedule *s = build(&r, 1, true, NULL, 0);
	LfBtSchedule *h = build(&r, 1, true, &sunday, 1);
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 6, 9, 22, 0, 0),
						  utc(2024, 6, 10, 4, 0, 0)), 4 * HOUR_US);
	assert_int_equal(secs(h, z, utc(2024, 6, 9, 22, 0, 0),
						  utc(2024, 6, 10, 4, 0, 0)), 0);
	free(s);
	free(h);
}

/*
 * Every night 22:00-06:00: the night from Sat 2024-10-26 to Sunday 10-27
 * runs 22:00 CEST to 06:00 CET, 9 real hours (oracle: shift7_fall_night
 * = 32400); the night into 03-31 runs 22:00 CET to 06:00 CEST, 7 hours
 * (oracle: shift7_spring_night = 25200).
 */
static void
test_overnight_across_changes(void **state)
{
	LfBtRange	r[7];
	LfBtSchedule *s;
	LfBtZone	z = tz("Europe/Berlin");
	int			w;

	(void) state;
	for (w = 0; w < 7; w++)
	{
		r[w].weekday = w + 1;
		r[w].opens = hm(22, 0);
		r[w].closes = hm(6, 0);
	}
	s = build(r, 7, true, NULL, 0);
	assert_int_equal(secs(s, z, utc(2024, 10, 26, 10, 0, 0),
						  utc(2024, 10, 27, 11, 0, 0)), 9 * HOUR_US);
	assert_int_equal(secs(s, z, utc(2024, 3, 30, 11, 0, 0),
						  utc(2024, 3, 31, 10, 0, 0)), 7 * HOUR_US);
	free(s);
}

/*
 * On an overnight calendar opens == closes is a 24-hour range: Wednesday
 * 09:00 to Thursday 09:00.
 */
static void
test_overnight_full_day_range(void **state)
{
	LfBtSchedule *s = build(&(LfBtRange) {3, hm(9, 0), hm(9, 0)}, 1, true,
							NULL, 0);
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 6, 4, 22, 0, 0),
						  utc(2024, 6, 6, 22, 0, 0)), 24 * HOUR_US);
	assert_true(working(s, z, utc(2024, 6, 6, 6, 59, 0)));
	assert_false(working(s, z, utc(2024, 6, 6, 7, 0, 0)));
	free(s);
}

/* ---------------------------------------------------------------------
 * Around the clock: seven ranges 00:00-24:00.
 * ---------------------------------------------------------------------
 */

/*
 * all_week
 *		The 24/7 calendar, optionally with holidays.
 */
static LfBtSchedule *
all_week(const int32_t *holidays, int nholidays)
{
	LfBtRange	r[7];
	int			w;

	for (w = 0; w < 7; w++)
	{
		r[w].weekday = w + 1;
		r[w].opens = 0;
		r[w].closes = DAY_US;
	}
	return build(r, 7, false, holidays, nholidays);
}

/* Business time is real time, both DST weekends included (48 h each). */
static void
test_all_week_counts_real_time(void **state)
{
	LfBtSchedule *s = all_week(NULL, 0);
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 3, 30, 0, 0, 0),
						  utc(2024, 4, 1, 0, 0, 0)), 48 * HOUR_US);
	assert_int_equal(secs(s, z, utc(2024, 10, 26, 0, 0, 0),
						  utc(2024, 10, 28, 0, 0, 0)), 48 * HOUR_US);
	assert_int_equal(add(s, z, utc(2024, 3, 31, 0, 30, 0), 2 * HOUR_US),
					 utc(2024, 3, 31, 2, 30, 0));
	assert_int_equal(add(s, z, utc(2024, 1, 15, 0, 0, 0), 90 * DAY_US),
					 utc(2024, 1, 15, 0, 0, 0) + 90 * DAY_US);
	free(s);
}

/*
 * A holiday on 2024-03-31, a day of 23 real hours in Berlin: of the 48 h
 * from 03-30 00:00 UTC, 25 remain (oracle: allday_hol_spring = 90000).
 */
static void
test_all_week_holiday_on_short_day(void **state)
{
	int32_t		sunday = day(2024, 3, 31);
	LfBtSchedule *s = all_week(&sunday, 1);

	(void) state;
	assert_int_equal(secs(s, tz("Europe/Berlin"), utc(2024, 3, 30, 0, 0, 0),
						  utc(2024, 4, 1, 0, 0, 0)), 25 * HOUR_US);
	free(s);
}

/* ---------------------------------------------------------------------
 * Long spans
 * ---------------------------------------------------------------------
 */

/*
 * quarter
 *		Berlin Mon-Fri 09:00-12:00 and 13:00-17:00 with holidays on Easter
 *		Monday 2024-04-01 and 2024-05-01.
 */
static LfBtSchedule *
quarter(void)
{
	LfBtRange	r[10];
	int32_t		h[2];

	weekdays(r, hm(9, 0), hm(12, 0));
	weekdays(r + 5, hm(13, 0), hm(17, 0));
	h[0] = day(2024, 4, 1);
	h[1] = day(2024, 5, 1);
	return build(r, 10, false, h, 2);
}

/*
 * Three months with lunch, two holidays and the March change, from Fri
 * 2024-03-01 10:00 CET to Sat 06-01 10:00 CEST.  By hand: Mar 1 gives
 * 10-12 and 13-17, 6 h; Mar 4-May 31 hold 20 + 22 + 23 weekdays, less the
 * two holidays, 63 days of 7 h = 441 h; in all 447 h = 1609200 s (oracle:
 * quarter_seconds).  Adding 400 h: 6 h on Mar 1 leave 394 h = 56 days and
 * 2 h; March gives 20 days, April 21, May 2-22 the last 15, so the end is
 * May 23 11:00 CEST, 09:00 UTC (oracle: quarter_add).
 */
static void
test_quarter_with_holidays(void **state)
{
	LfBtSchedule *s = quarter();
	LfBtZone	z = tz("Europe/Berlin");

	(void) state;
	assert_int_equal(secs(s, z, utc(2024, 3, 1, 9, 0, 0),
						  utc(2024, 6, 1, 8, 0, 0)), 1609200 * USEC);
	assert_int_equal(add(s, z, utc(2024, 3, 1, 9, 0, 0), 400 * HOUR_US),
					 utc(2024, 5, 23, 9, 0, 0));
	free(s);
}

/*
 * lcg
 *		A small deterministic pseudo-random sequence.
 */
static uint64_t
lcg(uint64_t *seed)
{
	*seed = *seed * UINT64_C(6364136223846793005) +
		UINT64_C(1442695040888963407);
	return *seed >> 17;
}

/*
 * Round trip over a year with holidays, lunch and both changes: for
 * pseudo-random starts and amounts, the sum from the start to the result
 * of an add is the amount, and one microsecond earlier it falls short,
 * so the add returned the earliest instant.
 */
static void
test_add_and_seconds_agree(void **state)
{
	LfBtSchedule *s = quarter();
	LfBtSchedule *n = night_shift(xmas_days(), 4);
	LfBtZone	z = tz("Europe/Berlin");
	uint64_t	seed = 42;
	int			i;

	(void) state;
	for (i = 0; i < 400; i++)
	{
		const LfBtSchedule *c = (i % 2) ? s : n;
		int64_t		from = utc(2024, 1, 1, 0, 0, 0) +
			(int64_t) (lcg(&seed) % (366 * 86400)) * USEC;
		int64_t		amount;
		int64_t		result;

		amount = (int64_t) (lcg(&seed) % (200 * 3600)) * USEC + 1;
		result = add(c, z, from, amount);

		assert_int_equal(secs(c, z, from, result), amount);
		assert_true(secs(c, z, from, result - 1) < amount);
	}
	free(s);
	free(n);
}

/* ---------------------------------------------------------------------
 * Refusals and limits
 * ---------------------------------------------------------------------
 */

/* No ranges: nothing to add to, zero seconds, never working. */
static void
test_no_working_time(void **state)
{
	LfBtSchedule *s = build(NULL, 0, false, NULL, 0);
	LfBtZone	z = tz("Europe/Berlin");
	int64_t		result;

	(void) state;
	assert_int_equal(leadflow_bt_week_total(s), 0);
	assert_int_equal(leadflow_bt_add(s, &z, utc(2024, 6, 3, 8, 0, 0), USEC,
									 &result), LF_BT_NO_WORKING_TIME);
	assert_int_equal(secs(s, z, utc(2024, 1, 1, 0, 0, 0),
						  utc(2025, 1, 1, 0, 0, 0)), 0);
	assert_false(working(s, z, utc(2024, 6, 3, 8, 0, 0)));
	assert_int_equal(add(s, z, utc(2024, 6, 3, 8, 0, 0), 0),
					 utc(2024, 6, 3, 8, 0, 0));
	free(s);
}

/* Negative amounts are refused: business time is only added forward. */
static void
test_negative_add_refused(void **state)
{
	LfBtSchedule *s = office();
	LfBtZone	z = tz("Europe/Berlin");
	int64_t		result;

	(void) state;
	assert_int_equal(leadflow_bt_add(s, &z, utc(2024, 6, 3, 8, 0, 0), -1,
									 &result), LF_BT_NEGATIVE);
	free(s);
}

/* Seconds to microseconds: rounding and every refusal. */
static void
test_usecs_from_seconds(void **state)
{
	int64_t		u = -1;

	(void) state;
	assert_int_equal(leadflow_bt_usecs_from_seconds(1.25, &u), LF_BT_OK);
	assert_int_equal(u, 1250000);
	assert_int_equal(leadflow_bt_usecs_from_seconds(0.1, &u), LF_BT_OK);
	assert_int_equal(u, 100000);
	assert_int_equal(leadflow_bt_usecs_from_seconds(-0.0, &u), LF_BT_OK);
	assert_int_equal(u, 0);
	assert_int_equal(leadflow_bt_usecs_from_seconds(-1, &u), LF_BT_NEGATIVE);
	assert_int_equal(leadflow_bt_usecs_from_seconds(NAN, &u),
					 LF_BT_NOT_A_NUMBER);
	assert_int_equal(leadflow_bt_usecs_from_seconds(INFINITY, &u),
					 LF_BT_OUT_OF_RANGE);
	assert_int_equal(leadflow_bt_usecs_from_seconds(1e13, &u),
					 LF_BT_OUT_OF_RANGE);
}

/* Two ranges on one day that share time are refused; touching is fine. */
static void
test_check_overlap_same_day(void **state)
{
	LfBtRange	bad[2] = {{1, hm(9, 0), hm(12, 0)}, {1, hm(11, 0), hm(13, 0)}};
	LfBtRange	good[2] = {{1, hm(9, 0), hm(12, 0)},
						   {1, hm(12, 0), hm(13, 0)}};
	int			a;
	int			b;

	(void) state;
	assert_int_equal(leadflow_bt_check_ranges(bad, 2, false, &a, &b),
					 LF_BT_OVERLAP);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(leadflow_bt_check_ranges(good, 2, false, &a, &b),
					 LF_BT_OK);
}

/*
 * An overnight range overlaps the next day's early range, and Sunday's
 * overnight range overlaps Monday's.
 */
static void
test_check_overlap_overnight(void **state)
{
	LfBtRange	next[2] = {{2, hm(5, 0), hm(9, 0)}, {1, hm(22, 0), hm(6, 0)}};
	LfBtRange	wrap[2] = {{1, hm(5, 0), hm(9, 0)}, {7, hm(22, 0), hm(6, 0)}};
	LfBtRange	fine[2] = {{1, hm(6, 0), hm(9, 0)}, {7, hm(22, 0), hm(6, 0)}};
	int			a;
	int			b;

	(void) state;
	assert_int_equal(leadflow_bt_check_ranges(next, 2, true, &a, &b),
					 LF_BT_OVERLAP);
	assert_int_equal(b, 1);
	assert_int_equal(leadflow_bt_check_ranges(wrap, 2, true, &a, &b),
					 LF_BT_OVERLAP);
	assert_int_equal(leadflow_bt_check_ranges(fine, 2, true, &a, &b),
					 LF_BT_OK);
}

/* Malformed single ranges, each with its own status and position. */
static void
test_check_malformed_ranges(void **state)
{
	LfBtRange	r[2] = {{1, hm(9, 0), hm(17, 0)}, {1, 0, 0}};
	int			a;
	int			b;
	int64_t		mem[128];
	LfBtSchedule *s = NULL;

	(void) state;
	r[1] = (LfBtRange) {2, hm(17, 0), hm(9, 0)};
	assert_int_equal(leadflow_bt_check_ranges(r, 2, false, &a, &b),
					 LF_BT_CLOSES_NOT_AFTER_OPENS);
	assert_int_equal(a, 1);
	assert_int_equal(b, -1);
	r[1] = (LfBtRange) {2, hm(9, 0), hm(9, 0)};
	assert_int_equal(leadflow_bt_check_ranges(r, 2, false, &a, &b),
					 LF_BT_CLOSES_NOT_AFTER_OPENS);
	r[1] = (LfBtRange) {2, DAY_US, DAY_US};
	assert_int_equal(leadflow_bt_check_ranges(r, 2, true, &a, &b),
					 LF_BT_BAD_OPENS);
	r[1] = (LfBtRange) {2, hm(9, 0), DAY_US + 1};
	assert_int_equal(leadflow_bt_check_ranges(r, 2, true, &a, &b),
					 LF_BT_BAD_CLOSES);
	r[1] = (LfBtRange) {8, hm(9, 0), hm(10, 0)};
	assert_int_equal(leadflow_bt_check_ranges(r, 2, true, &a, &b),
					 LF_BT_BAD_WEEKDAY);
	assert_int_equal(a, 1);

	/* The builder refuses the same, and a buffer that is too small. */
	assert_int_equal(leadflow_bt_schedule_build(mem, sizeof(mem), r, 2,
												true, NULL, 0, &s),
					 LF_BT_BAD_WEEKDAY);
	assert_null(s);
	r[1] = (LfBtRange) {2, hm(9, 0), hm(10, 0)};
	assert_int_equal(leadflow_bt_schedule_build(mem, 8, r, 2, true, NULL, 0,
												&s),
					 LF_BT_OUT_OF_RANGE);
	assert_null(s);
	assert_int_equal(leadflow_bt_schedule_build(mem, sizeof(mem), r, 2,
												true, NULL, 0, &s),
					 LF_BT_OK);
	assert_ptr_equal(s, mem);
}

/*
 * Years 1 to 9999 in a fixed zone at UTC+1 (local midnights): around the
 * clock the business time is the real time; office hours count the
 * weekdays, and 0001-01-01 is a Monday, 3652058 days (521722 weeks and
 * Mon-Thu) before 9999-12-31: 2608614 weekdays of 8 h.
 */
static void
test_years_1_and_9999(void **state)
{
	FakeZone	fz = {0, {0}, {3600}, 0, 0};
	LfBtSchedule *s = all_week(NULL, 0);
	LfBtSchedule *o = office();
	int64_t		from = utc(1, 1, 1, 0, 0, 0) - HOUR_US;
	int64_t		to = utc(9999, 12, 31, 0, 0, 0) - HOUR_US;

	(void) state;
	assert_int_equal(secs(s, fake(&fz), from, to), to - from);
	assert_int_equal(secs(o, fake(&fz), from, to),
					 INT64_C(2608614) * 8 * HOUR_US);
	assert_int_equal(add(o, fake(&fz), from, INT64_C(2608614) * 8 * HOUR_US),
					 utc(9999, 12, 30, 16, 0, 0));
	free(s);
	free(o);
}

/*
 * The ends of the range: instants outside it, a span too long for 64
 * bits, and results past the end are refused; the last valid microsecond
 * is reachable.
 */
static void
test_range_limits(void **state)
{
	FakeZone	fz = {0, {0}, {0}, 0, 0};
	LfBtZone	z = fake(&fz);
	LfBtSchedule *s = all_week(NULL, 0);
	int64_t		last = LF_BT_END_INSTANT - 1;
	int64_t		r;
	bool		w;

	(void) state;
	assert_int_equal(leadflow_bt_add(s, &z, LF_BT_END_INSTANT, 0, &r),
					 LF_BT_OUT_OF_RANGE);
	assert_int_equal(leadflow_bt_add(s, &z, last - 10, 11, &r),
					 LF_BT_OUT_OF_RANGE);
	assert_int_equal(add(s, z, last - 10, 10), last);
	assert_int_equal(leadflow_bt_add(s, &z, 0, INT64_MAX, &r),
					 LF_BT_OUT_OF_RANGE);
	/* From the first instant, INT64_MAX still ends inside the range. */
	assert_int_equal(add(s, z, LF_BT_MIN_INSTANT, INT64_MAX),
					 LF_BT_MIN_INSTANT + INT64_MAX);
	assert_int_equal(add(s, z, LF_BT_MIN_INSTANT, DAY_US),
					 LF_BT_MIN_INSTANT + DAY_US);
	assert_int_equal(leadflow_bt_seconds(s, &z, LF_BT_MIN_INSTANT, last, &r),
					 LF_BT_OUT_OF_RANGE);
	assert_int_equal(leadflow_bt_seconds(s, &z, LF_BT_MIN_INSTANT - 1, 0, &r),
					 LF_BT_OUT_OF_RANGE);
	assert_int_equal(leadflow_bt_is_working(s, &z, INT64_MAX, &w),
					 LF_BT_OUT_OF_RANGE);
	assert_int_equal(secs(s, z, last - HOUR_US, last), HOUR_US);

	/* Local times beyond both ends cause no overflow. */
	fz.offsets[0] = 14 * 3600;
	assert_int_equal(secs(s, z, last - HOUR_US, last), HOUR_US);
	assert_int_equal(add(s, z, last - 10, 10), last);
	fz.offsets[0] = -14 * 3600;
	assert_int_equal(secs(s, z, LF_BT_MIN_INSTANT,
						  LF_BT_MIN_INSTANT + HOUR_US), HOUR_US);
	free(s);
}

/*
 * A zone that fails, promises a span that does not move forward, or
 * reports an absurd offset is refused instead of looping or overflowing.
 */
static void
test_broken_zone_refused(void **state)
{
	FakeZone	fz = {0, {0}, {0}, 0, 1};
	LfBtZone	z = fake(&fz);
	LfBtSchedule *s = office();
	int64_t		r;
	bool		w;
	int			k;

	(void) state;
	for (k = 1; k <= 3; k++)
	{
		fz.broken = k;
		assert_int_equal(leadflow_bt_add(s, &z, 0, HOUR_US, &r),
						 LF_BT_ZONE_FAILED);
		assert_int_equal(leadflow_bt_seconds(s, &z, 0, DAY_US, &r),
						 LF_BT_ZONE_FAILED);
		assert_int_equal(leadflow_bt_is_working(s, &z, 0, &w),
						 LF_BT_ZONE_FAILED);
	}
	free(s);
}

/*
 * A scripted zone: UTC+0 until 2024-06-05 00:00 UTC, then UTC+10, so the
 * wall clock jumps from Tue 06-04 24:00 to Wed 06-05 10:00 and Wednesday
 * 09:00-10:00 never shows.  From Tue 00:00 UTC to Wed 12:00 UTC (22:00
 * local): Tuesday 8 h, Wednesday 10:00-17:00 7 h, 15 h.  Adding 200 h:
 * 15 h to Wednesday's close, then 185 h = 23 days of 8 h and 1 h; the
 * 23rd weekday after Wednesday is Mon 07-08 (Jun 6-7, four full weeks to
 * Jul 5, Jul 8), so the end is Tue 07-09 10:00 local, 00:00 UTC.  A span
 * promise capped at one hour walks many short stretches and must give
 * the same answers.
 */
static void
test_scripted_zone_and_short_spans(void **state)
{
	FakeZone	fz = {1, {0}, {0, 36000}, 0, 0};
	LfBtSchedule *s = office();
	int64_t		from = utc(2024, 6, 4, 0, 0, 0);
	int64_t		to = utc(2024, 6, 5, 12, 0, 0);
	int64_t		long_add;

	(void) state;
	fz.changes[0] = utc(2024, 6, 5, 0, 0, 0);
	assert_int_equal(secs(s, fake(&fz), from, to), 15 * HOUR_US);
	long_add = add(s, fake(&fz), from, 200 * HOUR_US);

	fz.reach = HOUR_US;
	assert_int_equal(secs(s, fake(&fz), from, to), 15 * HOUR_US);
	assert_int_equal(add(s, fake(&fz), from, 200 * HOUR_US), long_add);
	assert_int_equal(long_add, utc(2024, 7, 9, 0, 0, 0));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_office_same_day),
		cmocka_unit_test(test_office_over_weekend),
		cmocka_unit_test(test_office_arrival_before_opening),
		cmocka_unit_test(test_office_arrival_after_closing),
		cmocka_unit_test(test_office_arrival_on_weekend),
		cmocka_unit_test(test_office_reverse_and_empty),
		cmocka_unit_test(test_office_add_same_day),
		cmocka_unit_test(test_office_add_lands_on_closing),
		cmocka_unit_test(test_office_add_over_night),
		cmocka_unit_test(test_office_add_from_weekend),
		cmocka_unit_test(test_add_zero_returns_from),
		cmocka_unit_test(test_office_is_working_edges),
		cmocka_unit_test(test_office_three_months),
		cmocka_unit_test(test_office_year),
		cmocka_unit_test(test_lunch_gap_seconds),
		cmocka_unit_test(test_lunch_add_across_gap),
		cmocka_unit_test(test_lunch_add_lands_on_gap),
		cmocka_unit_test(test_lunch_saturday_half_day),
		cmocka_unit_test(test_lunch_is_working),
		cmocka_unit_test(test_berlin_spring_forward_range_shorter),
		cmocka_unit_test(test_berlin_fall_back_range_longer),
		cmocka_unit_test(test_berlin_spring_forward_add),
		cmocka_unit_test(test_berlin_fall_back_add),
		cmocka_unit_test(test_berlin_fall_back_is_working_twice),
		cmocka_unit_test(test_berlin_office_across_changes),
		cmocka_unit_test(test_new_york_spring_forward),
		cmocka_unit_test(test_new_york_fall_back),
		cmocka_unit_test(test_new_york_fall_back_add),
		cmocka_unit_test(test_new_york_office_across_changes),
		cmocka_unit_test(test_sao_paulo_spring_forward_at_midnight),
		cmocka_unit_test(test_sao_paulo_fall_back_at_midnight),
		cmocka_unit_test(test_sao_paulo_office_across_change),
		cmocka_unit_test(test_holidays_skipped_in_seconds),
		cmocka_unit_test(test_holidays_skipped_in_add),
		cmocka_unit_test(test_add_from_inside_holiday),
		cmocka_unit_test(test_holiday_on_weekend_changes_nothing),
		cmocka_unit_test(test_holidays_two_weeks_duplicates),
		cmocka_unit_test(test_overnight_seconds),
		cmocka_unit_test(test_overnight_holiday_owns_opening_date),
		cmocka_unit_test(test_overnight_friday_into_saturday),
		cmocka_unit_test(test_overnight_add),
		cmocka_unit_test(test_overnight_sunday_into_monday),
		cmocka_unit_test(test_overnight_across_changes),
		cmocka_unit_test(test_overnight_full_day_range),
		cmocka_unit_test(test_all_week_counts_real_time),
		cmocka_unit_test(test_all_week_holiday_on_short_day),
		cmocka_unit_test(test_quarter_with_holidays),
		cmocka_unit_test(test_add_and_seconds_agree),
		cmocka_unit_test(test_no_working_time),
		cmocka_unit_test(test_negative_add_refused),
		cmocka_unit_test(test_usecs_from_seconds),
		cmocka_unit_test(test_check_overlap_same_day),
		cmocka_unit_test(test_check_overlap_overnight),
		cmocka_unit_test(test_check_malformed_ranges),
		cmocka_unit_test(test_years_1_and_9999),
		cmocka_unit_test(test_range_limits),
		cmocka_unit_test(test_broken_zone_refused),
		cmocka_unit_test(test_scripted_zone_and_short_spans),
	};

	return cmocka_run_group_tests_name("business_time", tests, NULL, NULL);
}
