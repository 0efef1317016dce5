/*-------------------------------------------------------------------------
 *
 * extension/business_time.c
 *		Business-time arithmetic on a weekly schedule with holidays; see
 *		business_time.h for the meaning of "working" and the cost bound.
 *
 * How it works.  Between two changes of UTC offset, local wall time is
 * the instant plus a constant, so the work splits into stretches of
 * constant offset and, inside each, into pure local-time arithmetic.
 * Local time is cut into weeks starting on Monday 00:00; the ranges are
 * laid out once as "pieces" of the week [0, 1 week), an overnight Sunday
 * range adding a piece at the start of the week for its part that runs
 * into Monday.  The working time from a week's start to a point in it is
 * a sum over pieces, and a whole week holds exactly the weekly total, so
 * the working time between two local times without holidays costs two
 * lookups.  Holidays are then handled one by one: each removes the ranges
 * of its date, and nothing else can lie between the first opening and
 * the last closing of a day because ranges never overlap.
 *
 * Shared state: none.  Every function reads its schedule and writes only
 * its own locals and out parameters; the zone lookup is the only call out.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "business_time.h"

#define BT_DAY		LF_BT_USECS_PER_DAY
#define BT_WEEK		LF_BT_USECS_PER_WEEK

/* Local time of Monday 2000-01-03 00:00, where local week 0 starts. */
#define BT_MONDAY	(2 * BT_DAY)

/*
 * Longest stretch handed to the local arithmetic at once; keeps every
 * difference of local times inside 64 bits even across the whole range.
 */
#define BT_STEP		(INT64_C(1) << 62)

/* A range on the date it opens on; closes in (opens, opens + 1 day]. */
typedef struct BtSpan
{
	int			weekday;		/* 0 = Monday ... 6 = Sunday */
	int64_t		opens;
	int64_t		closes;
} BtSpan;

/* Working time in the week [start, end); "before" is all earlier pieces. */
typedef struct BtPiece
{
	int64_t		start;
	int64_t		end;
	int64_t		before;
} BtPiece;

struct LfBtSchedule
{
	int64_t		week_total;
	int64_t		day_total[7];	/* working time opening on each weekday */
	int64_t		day_opens[7];	/* earliest opening, after local midnight */
	int64_t		day_closes[7];	/* latest closing, maybe past 24:00 */
	int			day_first[8];	/* weekday w: spans [day_first[w], [w+1]) */
	int			npieces;
	int			nholidays;
	BtSpan	   *spans;
	BtPiece    *pieces;
	int32_t    *holidays;		/* sorted, no duplicates */
};

/*
 * bt_floor_div
 *		Integer division rounding toward minus infinity; b must be positive.
 */
static int64_t
bt_floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

/*
 * bt_min / bt_max
 *		The smaller or larger of two values.
 */
static int64_t
bt_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t
bt_max(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/*
 * bt_weekday
 *		Weekday index (0 = Monday) of a local date given as days since
 *		2000-01-01, which was a Saturday.
 */
static int
bt_weekday(int64_t day)
{
	return (int) (((day - 2) % 7 + 7) % 7);
}

/*
 * bt_valid_instant
 *		Whether an instant lies in the range PostgreSQL accepts.
 */
static bool
bt_valid_instant(int64_t instant)
{
	return instant >= LF_BT_MIN_INSTANT && instant < LF_BT_END_INSTANT;
}

/*
 * bt_resolve
 *		Checks one input range and resolves it to the date it opens on.
 *		Returns LF_BT_OK or the reason the range is refused.
 */
static LfBtStatus
bt_resolve(const LfBtRange *range, bool overnight, BtSpan *span)
{
	if (range->weekday < 1 || range->weekday > 7)
		return LF_BT_BAD_WEEKDAY;
	if (range->opens < 0 || range->opens >= BT_DAY)
		return LF_BT_BAD_OPENS;
	if (range->closes < 0 || range->closes > BT_DAY)
		return LF_BT_BAD_CLOSES;

	span->weekday = range->weekday - 1;
	span->opens = range->opens;
	span->closes = range->closes;
	if (range->closes <= range->opens)
	{
		if (!overnight)
			return LF_BT_CLOSES_NOT_AFTER_OPENS;
		span->closes += BT_DAY;
	}
	return LF_BT_OK;
}

/*
 * bt_spans_overlap
 *		Whether two resolved ranges share working time on the weekly
 *		cycle.  Both lie in [0, 8 days) in week coordinates, so shifting
 *		either by a week covers a range that wraps from Sunday to Monday.
 */
static bool
bt_spans_overlap(const BtSpan *a, const BtSpan *b)
{
	int64_t		as = a->weekday * BT_DAY + a->opens;
	int64_t		ae = a->weekday * BT_DAY + a->closes;
	int64_t		bs = b->weekday * BT_DAY + b->opens;
	int64_t		be = b->weekday * BT_DAY + b->closes;

	return (as < be && bs < ae) ||
		(as + BT_WEEK < be && bs < ae + BT_WEEK) ||
		(as < be + BT_WEEK && bs + BT_WEEK < ae);
}

/*
 * leadflow_bt_check_ranges
 *		See business_time.h.  Ranges are few (a handful per day), so the
 *		overlap test compares every pair and needs no memory; the first
 *		offending pair in input order is reported.
 */
LfBtStatus
leadflow_bt_check_ranges(const LfBtRange *ranges, int nranges,
						 bool overnight, int *first, int *second)
{
	BtSpan		a = {0, 0, 0};
	BtSpan		b = {0, 0, 0};
	LfBtStatus	status;
	int			i;
	int			j;

	if (first)
		*first = -1;
	if (second)
		*second = -1;

	for (i = 0; i < nranges; i++)
	{
		status = bt_resolve(&ranges[i], overnight, &a);
		if (status != LF_BT_OK)
		{
			if (first)
				*first = i;
			return status;
		}
	}

	for (i = 0; i < nranges; i++)
	{
		(void) bt_resolve(&ranges[i], overnight, &a);
		for (j = i + 1; j < nranges; j++)
		{
			(void) bt_resolve(&ranges[j], overnight, &b);
			if (bt_spans_overlap(&a, &b))
			{
				if (first)
					*first = i;
				if (second)
					*second = j;
				return LF_BT_OVERLAP;
			}
		}
	}
	return LF_BT_OK;
}

/*
 * bt_align
 *		Rounds a byte count up to a multiple of 8.
 */
static size_t
bt_align(size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

/*
 * leadflow_bt_schedule_size
 *		See business_time.h.  Layout: the header, the spans, up to two
 *		pieces per range, then the holidays.
 */
size_t
leadflow_bt_schedule_size(int nranges, int nholidays)
{
	size_t		n = nranges > 0 ? (size_t) nranges : 0;
	size_t		h = nholidays > 0 ? (size_t) nholidays : 0;

	return bt_align(sizeof(LfBtSchedule)) +
		bt_align(n * sizeof(BtSpan)) +
		bt_align(2 * n * sizeof(BtPiece)) +
		bt_align(h * sizeof(int32_t));
}

/*
 * bt_compare_spans / bt_compare_pieces / bt_compare_days
 *		qsort orders: spans by weekday then opening, pieces by start,
 *		holidays by date.
 */
static int
bt_compare_spans(const void *pa, const void *pb)
{
	const BtSpan *a = pa;
	const BtSpan *b = pb;

	if (a->weekday != b->weekday)
		return a->weekday < b->weekday ? -1 : 1;
	if (a->opens != b->opens)
		return a->opens < b->opens ? -1 : 1;
	return 0;
}

static int
bt_compare_pieces(const void *pa, const void *pb)
{
	const BtPiece *a = pa;
	const BtPiece *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

static int
bt_compare_days(const void *pa, const void *pb)
{
	int32_t		a = *(const int32_t *) pa;
	int32_t		b = *(const int32_t *) pb;

	if (a != b)
		return a < b ? -1 : 1;
	return 0;
}

/*
 * bt_lay_out_days
 *		Sorts the spans and fills the per-weekday index, totals, earliest
 *		opening and latest closing.
 */
static void
bt_lay_out_days(LfBtSchedule *s, int nspans)
{
	int			w;
	int			i;

	qsort(s->spans, nspans, sizeof(BtSpan), bt_compare_spans);

	memset(s->day_total, 0, sizeof(s->day_total));
	for (w = 0, i = 0; w < 7; w++)
	{
		s->day_first[w] = i;
		s->day_opens[w] = 0;
		s->day_closes[w] = 0;
		for (; i < nspans && s->spans[i].weekday == w; i++)
		{
			if (i == s->day_first[w])
				s->day_opens[w] = s->spans[i].opens;
			s->day_closes[w] = bt_max(s->day_closes[w], s->spans[i].closes);
			s->day_total[w] += s->spans[i].closes - s->spans[i].opens;
		}
	}
	s->day_first[7] = i;
}

/*
 * bt_lay_out_week
 *		Cuts the spans into pieces of the week [0, 1 week) in week order,
 *		with the running total of working time before each piece.
 */
static void
bt_lay_out_week(LfBtSchedule *s, int nspans)
{
	int64_t		total = 0;
	int			n = 0;
	int			i;

	for (i = 0; i < nspans; i++)
	{
		int64_t		start = s->spans[i].weekday * BT_DAY + s->spans[i].opens;
		int64_t		end = s->spans[i].weekday * BT_DAY + s->spans[i].closes;

		s->pieces[n].start = start;
		s->pieces[n].end = bt_min(end, BT_WEEK);
		n++;
		if (end > BT_WEEK)
		{
			/* Sunday's overnight range continues on Monday 00:00. */
			s->pieces[n].start = 0;
			s->pieces[n].end = end - BT_WEEK;
			n++;
		}
	}
	qsort(s->pieces, n, sizeof(BtPiece), bt_compare_pieces);

	for (i = 0; i < n; i++)
	{
		s->pieces[i].before = total;
		total += s->pieces[i].end - s->pieces[i].start;
	}
	s->npieces = n;
	s->week_total = total;
}

/*
 * bt_lay_out_holidays
 *		Copies, sorts and deduplicates the holidays.
 */
static void
bt_lay_out_holidays(LfBtSchedule *s, const int32_t *holidays, int nholidays)
{
	int			n = 0;
	int			i;

	if (nholidays > 0)
		memcpy(s->holidays, holidays, nholidays * sizeof(int32_t));
	if (nholidays > 1)
		qsort(s->holidays, nholidays, sizeof(int32_t), bt_compare_days);
	for (i = 0; i < nholidays; i++)
	{
		if (n == 0 || s->holidays[n - 1] != s->holidays[i])
			s->holidays[n++] = s->holidays[i];
	}
	s->nholidays = n;
}

/*
 * leadflow_bt_schedule_build
 *		See business_time.h.
 */
LfBtStatus
leadflow_bt_schedule_build(void *mem, size_t size,
						   const LfBtRange *ranges, int nranges,
						   bool overnight,
						   const int32_t *holidays, int nholidays,
						   LfBtSchedule **schedule)
{
	LfBtSchedule *s = mem;
	char	   *p = mem;
	LfBtStatus	status;
	int			i;

	if (nranges < 0 || nholidays < 0 || mem == NULL ||
		size < leadflow_bt_schedule_size(nranges, nholidays))
		return LF_BT_OUT_OF_RANGE;

	status = leadflow_bt_check_ranges(ranges, nranges, overnight, NULL, NULL);
	if (status != LF_BT_OK)
		return status;

	p += bt_align(sizeof(LfBtSchedule));
	s->spans = (BtSpan *) p;
	p += bt_align((size_t) nranges * sizeof(BtSpan));
	s->pieces = (BtPiece *) p;
	p += bt_align(2 * (size_t) nranges * sizeof(BtPiece));
	s->holidays = (int32_t *) p;

	for (i = 0; i < nranges; i++)
		(void) bt_resolve(&ranges[i], overnight, &s->spans[i]);
	bt_lay_out_days(s, nranges);
	bt_lay_out_week(s, nranges);
	bt_lay_out_holidays(s, holidays, nholidays);

	*schedule = s;
	return LF_BT_OK;
}

/*
 * leadflow_bt_week_total
 *		See business_time.h.
 */
int64_t
leadflow_bt_week_total(const LfBtSchedule *schedule)
{
	return schedule->week_total;
}

/*
 * bt_week_prefix
 *		Working time from the start of a week to offset x in it,
 *		0 <= x <= 1 week, holidays ignored.
 */
static int64_t
bt_week_prefix(const LfBtSchedule *s, int64_t x)
{
	const BtPiece *p;
	int			lo = 0;
	int			hi = s->npieces;

	/* Find the last piece that starts before x. */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->pieces[mid].start < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	p = &s->pieces[lo - 1];
	return p->before + bt_min(x, p->end) - p->start;
}

/*
 * bt_week_position
 *		The earliest offset in a week at which the working time since the
 *		week's start reaches r, for 0 < r <= the weekly total.
 */
static int64_t
bt_week_position(const LfBtSchedule *s, int64_t r)
{
	const BtPiece *p;
	int			lo = 0;
	int			hi = s->npieces - 1;

	/* Find the first piece whose end reaches r. */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;
		const BtPiece *m = &s->pieces[mid];

		if (m->before + (m->end - m->start) >= r)
			hi = mid;
		else
			lo = mid + 1;
	}
	p = &s->pieces[lo];
	return p->start + (r - p->before);
}

/*
 * bt_week_split
 *		Splits a local time into its week number and offset in that week.
 */
static void
bt_week_split(int64_t local, int64_t *week, int64_t *offset)
{
	*week = bt_floor_div(local - BT_MONDAY, BT_WEEK);
	*offset = local - BT_MONDAY - *week * BT_WEEK;
}

/*
 * bt_plain_measure
 *		Working time in the local interval [from, to), holidays ignored.
 */
static int64_t
bt_plain_measure(const LfBtSchedule *s, int64_t from, int64_t to)
{
	int64_t		w0;
	int64_t		x0;
	int64_t		w1;
	int64_t		x1;

	bt_week_split(from, &w0, &x0);
	bt_week_split(to, &w1, &x1);
	return (w1 - w0) * s->week_total +
		bt_week_prefix(s, x1) - bt_week_prefix(s, x0);
}

/*
 * bt_plain_advance
 *		The earliest local time after "from" by which amount > 0 of working
 *		time has passed, holidays ignored.  The weekly total must be
 *		positive, and the caller must know the answer lies in range.
 */
static int64_t
bt_plain_advance(const LfBtSchedule *s, int64_t from, int64_t amount)
{
	int64_t		week;
	int64_t		offset;
	int64_t		target;
	int64_t		weeks;

	bt_week_split(from, &week, &offset);
	target = bt_week_prefix(s, offset) + amount;

	/* Whole weeks first; the rest, in (0, total], falls in the last one. */
	weeks = (target - 1) / s->week_total;
	target -= weeks * s->week_total;
	return BT_MONDAY + (week + weeks) * BT_WEEK + bt_week_position(s, target);
}

/*
 * bt_first_holiday
 *		Index of the first holiday on or after the given local date.
 */
static int
bt_first_holiday(const LfBtSchedule *s, int64_t day)
{
	int			lo = 0;
	int			hi = s->nholidays;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * bt_holiday_loss
 *		Working time in the local interval [from, to), from < to, that
 *		holidays remove.  A holiday's ranges lie within two days of its
 *		midnight, so only holidays from the day before "from" on matter.
 */
static int64_t
bt_holiday_loss(const LfBtSchedule *s, int64_t from, int64_t to)
{
	int64_t		last_day = bt_floor_div(to - 1, BT_DAY);
	int64_t		loss = 0;
	int			i;

	for (i = bt_first_holiday(s, bt_floor_div(from, BT_DAY) - 1);
		 i < s->nholidays && s->holidays[i] <= last_day; i++)
	{
		int64_t		midnight = (int64_t) s->holidays[i] * BT_DAY;
		int			w = bt_weekday(s->holidays[i]);
		int			k;

		for (k = s->day_first[w]; k < s->day_first[w + 1]; k++)
		{
			int64_t		a = bt_max(midnight + s->spans[k].opens, from);
			int64_t		b = bt_min(midnight + s->spans[k].closes, to);

			if (b > a)
				loss += b - a;
		}
	}
	return loss;
}

/*
 * bt_measure
 *		Working time in the local interval [from, to), from <= to.
 */
static int64_t
bt_measure(const LfBtSchedule *s, int64_t from, int64_t to)
{
	if (from >= to)
		return 0;
	return bt_plain_measure(s, from, to) - bt_holiday_loss(s, from, to);
}

/*
 * bt_next_holiday
 *		From holiday index *i on, finds the first holiday whose working
 *		time ends after local time "cur" and whose date starts before
 *		"end"; sets its first opening and last closing as local times and
 *		returns true, or returns false when there is none.  Advances *i.
 */
static bool
bt_next_holiday(const LfBtSchedule *s, int *i, int64_t cur, int64_t end,
				int64_t *opens, int64_t *closes)
{
	int64_t		last_day = bt_floor_div(end - 1, BT_DAY);

	for (; *i < s->nholidays && s->holidays[*i] <= last_day; (*i)++)
	{
		int64_t		midnight = (int64_t) s->holidays[*i] * BT_DAY;
		int			w = bt_weekday(s->holidays[*i]);

		if (s->day_total[w] == 0 || midnight + s->day_closes[w] <= cur)
			continue;
		*opens = midnight + s->day_opens[w];
		*closes = midnight + s->day_closes[w];
		return true;
	}
	return false;
}

/*
 * bt_local_advance
 *		Spends *amount (> 0) of working time from local time "from" on,
 *		without passing local time "end".  Returns true and the local time
 *		where it runs out in *result, or false with *amount reduced by the
 *		working time of [from, end).  One step per holiday crossed: the
 *		stretch before a holiday is plain weekly arithmetic, and the
 *		holiday's own stretch, from its first opening to its last closing,
 *		holds no working time at all.
 */
static bool
bt_local_advance(const LfBtSchedule *s, int64_t from, int64_t end,
				 int64_t *amount, int64_t *result)
{
	int64_t		cur = from;
	int			i = bt_first_holiday(s, bt_floor_div(from, BT_DAY) - 1);

	while (cur < end)
	{
		int64_t		opens = end;
		int64_t		closes = end;
		int64_t		stop;
		int64_t		avail;

		if (!bt_next_holiday(s, &i, cur, end, &opens, &closes))
			opens = closes = end;
		stop = bt_min(bt_max(opens, cur), end);

		avail = bt_plain_measure(s, cur, stop);
		if (avail >= *amount)
		{
			*result = bt_plain_advance(s, cur, *amount);
			return true;
		}
		*amount -= avail;
		cur = closes;
		i++;
	}
	return false;
}

/*
 * bt_zone_at
 *		Asks the zone for the offset at an instant (as microseconds) and
 *		the instant it holds until, and checks the answer keeps the
 *		promises of business_time.h.
 */
static LfBtStatus
bt_zone_at(const LfBtZone *zone, int64_t instant, int64_t *offset,
		   int64_t *until)
{
	LfBtZoneSpan span;

	if (zone->lookup(zone->arg, instant, &span) != LF_BT_OK ||
		span.utc_offset <= -LF_BT_MAX_UTC_OFFSET ||
		span.utc_offset >= LF_BT_MAX_UTC_OFFSET ||
		span.until <= instant)
		return LF_BT_ZONE_FAILED;

	*offset = span.utc_offset * LF_BT_USECS_PER_SEC;
	*until = span.until;
	return LF_BT_OK;
}

/*
 * leadflow_bt_seconds
 *		See business_time.h.  Walks the stretches of constant UTC offset
 *		between the two instants and adds their local working time.
 */
LfBtStatus
leadflow_bt_seconds(const LfBtSchedule *schedule, const LfBtZone *zone,
					int64_t from, int64_t to, int64_t *usecs)
{
	int64_t		total = 0;
	int64_t		cur = from;
	LfBtStatus	status;

	if (!bt_valid_instant(from) || !bt_valid_instant(to))
		return LF_BT_OUT_OF_RANGE;
	if (from > to)
	{
		status = leadflow_bt_seconds(schedule, zone, to, from, usecs);
		if (status == LF_BT_OK)
			*usecs = -*usecs;
		return status;
	}
	if (from < 0 && to > INT64_MAX + from)
		return LF_BT_OUT_OF_RANGE;

	while (schedule->week_total > 0 && cur < to)
	{
		int64_t		offset;
		int64_t		until;
		int64_t		end;

		status = bt_zone_at(zone, cur, &offset, &until);
		if (status != LF_BT_OK)
			return status;
		end = bt_min(until, to);
		total += bt_measure(schedule, cur + offset, end + offset);
		cur = end;
	}
	*usecs = total;
	return LF_BT_OK;
}

/*
 * leadflow_bt_add
 *		See business_time.h.  Walks stretches of constant UTC offset until
 *		the amount runs out inside one.  Business time never runs faster
 *		than real time, so an amount that reaches the end of the range in
 *		real time is refused before any walking.
 */
LfBtStatus
leadflow_bt_add(const LfBtSchedule *schedule, const LfBtZone *zone,
				int64_t from, int64_t usecs, int64_t *result)
{
	int64_t		cur = from;
	int64_t		amount = usecs;
	LfBtStatus	status;

	if (!bt_valid_instant(from))
		return LF_BT_OUT_OF_RANGE;
	if (usecs < 0)
		return LF_BT_NEGATIVE;
	if (usecs == 0)
	{
		*result = from;
		return LF_BT_OK;
	}
	if (schedule->week_total == 0)
		return LF_BT_NO_WORKING_TIME;
	if (from >= 0 ? usecs >= LF_BT_END_INSTANT - from :
		from + usecs >= LF_BT_END_INSTANT)
		return LF_BT_OUT_OF_RANGE;

	while (cur < LF_BT_END_INSTANT)
	{
		int64_t		offset;
		int64_t		until;
		int64_t		end;
		int64_t		local;

		status = bt_zone_at(zone, cur, &offset, &until);
		if (status != LF_BT_OK)
			return status;
		end = cur < LF_BT_END_INSTANT - BT_STEP ? cur + BT_STEP :
			LF_BT_END_INSTANT;
		end = bt_min(end, until);

		if (bt_local_advance(schedule, cur + offset, end + offset,
							 &amount, &local))
		{
			*result = local - offset;
			return *result < LF_BT_END_INSTANT ? LF_BT_OK :
				LF_BT_OUT_OF_RANGE;
		}
		cur = end;
	}
	return LF_BT_OUT_OF_RANGE;
}

/*
 * leadflow_bt_is_working
 *		See business_time.h.  An instant is working when the microsecond
 *		that starts at it is, which keeps this in step with the sums.
 */
LfBtStatus
leadflow_bt_is_working(const LfBtSchedule *schedule, const LfBtZone *zone,
					   int64_t at, bool *working)
{
	int64_t		offset;
	int64_t		until;
	LfBtStatus	status;

	if (!bt_valid_instant(at))
		return LF_BT_OUT_OF_RANGE;
	status = bt_zone_at(zone, at, &offset, &until);
	if (status != LF_BT_OK)
		return status;
	*working = bt_measure(schedule, at + offset, at + offset + 1) > 0;
	return LF_BT_OK;
}

/*
 * leadflow_bt_usecs_from_seconds
 *		See business_time.h.  The bound leaves room for the rounding.
 */
LfBtStatus
leadflow_bt_usecs_from_seconds(double seconds, int64_t *usecs)
{
	double		scaled;

	if (seconds != seconds)
		return LF_BT_NOT_A_NUMBER;
	if (seconds < 0)
		return LF_BT_NEGATIVE;
	scaled = seconds * (double) LF_BT_USECS_PER_SEC + 0.5;
	if (!(scaled < 9.2e18))
		return LF_BT_OUT_OF_RANGE;
	*usecs = (int64_t) scaled;
	return LF_BT_OK;
}
