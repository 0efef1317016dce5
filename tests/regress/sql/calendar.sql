-- tests/regress/sql/calendar.sql: business time through SQL on the server's
-- own time zones, validation of calendars, and the per-backend cache.
--
-- Offsets used in the expected values: Europe/Berlin UTC+1, and UTC+2
-- from 2024-03-31 01:00 UTC to 2024-10-27 01:00 UTC; Asia/Ho_Chi_Minh
-- UTC+7.  2024-06-03 is a Monday.
SET timezone = 'UTC';

INSERT INTO leadflow.calendar (calendar_id, name, time_zone, overnight)
VALUES (101, 'Berlin office', 'Europe/Berlin', false),
	   (102, 'Berlin Sunday night', 'Europe/Berlin', false),
	   (103, 'Ho Chi Minh City', 'Asia/Ho_Chi_Minh', false),
	   (104, 'never', 'UTC', false),
	   (105, 'around the clock', 'UTC', false),
	   (106, 'night shift', 'Europe/Berlin', true);

-- Mon-Fri 09:00-17:00, closed on Christmas Day and Boxing Day.
INSERT INTO leadflow.calendar_hours
SELECT 101, d, '09:00', '17:00' FROM generate_series(1, 5) d;
INSERT INTO leadflow.calendar_holiday VALUES
	(101, '2024-12-25', 'Christmas Day'), (101, '2024-12-26', 'Boxing Day');
-- Sunday 01:30-03:30, across both changes of 2024.
INSERT INTO leadflow.calendar_hours VALUES (102, 7, '01:30', '03:30');
-- Mon-Fri with a lunch break.
INSERT INTO leadflow.calendar_hours
SELECT 103, d, o::time, c::time FROM generate_series(1, 5) d,
	(VALUES ('08:00', '12:00'), ('13:00', '17:30')) r(o, c);
-- Seven full days.
INSERT INTO leadflow.calendar_hours
SELECT 105, d, '00:00', '24:00' FROM generate_series(1, 7) d;
-- Mon-Fri nights, 22:00 to 06:00 the next morning.
INSERT INTO leadflow.calendar_hours
SELECT 106, d, '22:00', '06:00' FROM generate_series(1, 5) d;

-- Basics.  Fri 16:00 to Mon 10:00 local: Fri 16-17 and Mon 9-10, 7200 s;
-- backwards it is negative.
SELECT leadflow.business_seconds(101, '2024-06-07 14:00+00', '2024-06-10 08:00+00') AS fri_to_mon,
	   leadflow.business_seconds(101, '2024-06-10 08:00+00', '2024-06-07 14:00+00') AS backwards;
-- Mon 09:00 local plus 8 h ends at closing, 17:00 local = 15:00 UTC.
SELECT leadflow.business_add(101, '2024-06-03 07:00+00', 8 * 3600) AS at_closing;
-- Zero seconds return the start, even on a Saturday; 1.5 s from Saturday
-- end 1.5 s after Monday's opening.
SELECT leadflow.business_add(101, '2024-06-08 08:00+00', 0) AS zero,
	   leadflow.business_add(101, '2024-06-08 08:00+00', 1.5) AS after_weekend;
-- Opening is working, closing is not.
SELECT leadflow.business_is_working(101, '2024-06-03 07:00+00') AS at_opening,
	   leadflow.business_is_working(101, '2024-06-03 15:00+00') AS at_closing;
-- One week, hourly samples: 8 working hours on each of 5 days.
SELECT count(*) FILTER (WHERE leadflow.business_is_working(101, t)) AS working_hours
FROM generate_series(timestamptz '2024-06-03 00:00+00',
					 '2024-06-09 23:00+00', '1 hour') t;
-- Lunch in Ho Chi Minh City: Mon 11:00 to 14:00 local holds 2 h; 11:30
-- plus 1 h skips lunch to 13:30 local (06:30 UTC).
SELECT leadflow.business_seconds(103, '2024-06-03 04:00+00', '2024-06-03 07:00+00') AS over_lunch,
	   leadflow.business_add(103, '2024-06-03 04:30+00', 3600) AS after_lunch;
-- Night shift: Mon 20:00 to Tue 08:00 local holds the whole night, 8 h;
-- Tue 05:00 plus 2 h is 05-06, then 22-23 local (21:00 UTC).
SELECT leadflow.business_seconds(106, '2024-06-03 18:00+00', '2024-06-04 06:00+00') AS one_night,
	   leadflow.business_add(106, '2024-06-04 03:00+00', 7200) AS next_night;
-- Two calendars alternating in one query.
SELECT c, leadflow.business_seconds(c, '2024-06-03 00:00+00', '2024-06-10 00:00+00') AS week
FROM (VALUES (101), (103), (101), (106), (105)) v(c);

-- Daylight saving time, Berlin.  The Sunday range 01:30-03:30 holds one
-- real hour on 2024-03-31 (clocks jump 02:00 -> 03:00) and three on
-- 2024-10-27 (clocks fall back 03:00 -> 02:00).
SELECT leadflow.business_seconds(102, '2024-03-30 00:00+00', '2024-04-01 00:00+00') AS spring,
	   leadflow.business_seconds(102, '2024-10-26 00:00+00', '2024-10-28 00:00+00') AS fall;
-- 30 minutes run 00:30-01:00 UTC, where CET ends; 45 minutes end at 01:15
-- UTC, 03:15 CEST.
SELECT leadflow.business_add(102, '2024-03-30 12:00+00', 1800) AS spring_30,
	   leadflow.business_add(102, '2024-03-30 12:00+00', 2700) AS spring_45,
	   leadflow.business_add(102, '2024-03-30 12:00+00', 2700)
		   AT TIME ZONE 'Europe/Berlin' AS spring_45_local;
-- From Sunday 00:00 CEST (Sat 22:00 UTC) two hours: the range opens at
-- 23:30 UTC and 2 h later it is 01:30 UTC, shown as the second 02:30.
SELECT leadflow.business_add(102, '2024-10-26 22:00+00', 7200) AS fall_2h;
-- 02:45 shows twice that night, 00:45 and 01:45 UTC; both work.
SELECT leadflow.business_is_working(102, '2024-10-27 00:45+00') AS first_0245,
	   leadflow.business_is_working(102, '2024-10-27 01:45+00') AS second_0245,
	   leadflow.business_is_working(102, '2024-10-27 02:30+00') AS at_0330_cet;
-- Office hours keep their wall-clock length: Fri 03-29 12:00 CET to Mon
-- 04-01 12:00 CEST is 5 h + 3 h; Fri 10-25 16:00 CEST plus 2 h is Mon
-- 10:00 CET, 09:00 UTC.
SELECT leadflow.business_seconds(101, '2024-03-29 11:00+00', '2024-04-01 10:00+00') AS across_spring,
	   leadflow.business_add(101, '2024-10-25 14:00+00', 7200) AS across_fall;
-- Around the clock, business time is real time, 48 h on each weekend.
SELECT leadflow.business_seconds(105, '2024-03-30 00:00+00', '2024-04-01 00:00+00') AS utc_weekend;

-- Holidays.  Tue 12-24 16:00 to Fri 12-27 10:00 local: 16-17 and 9-10;
-- plus 2 h lands on the 27th, plus 1 h exactly at closing on the 24th.
SELECT leadflow.business_seconds(101, '2024-12-24 15:00+00', '2024-12-27 09:00+00') AS over_christmas,
	   leadflow.business_add(101, '2024-12-24 15:00+00', 7200) AS plus_2h,
	   leadflow.business_add(101, '2024-12-24 15:00+00', 3600) AS plus_1h,
	   leadflow.business_is_working(101, '2024-12-25 10:00+00') AS on_christmas;
-- Three months, February to May 2024: 64 weekdays of 8 h.
SELECT leadflow.business_seconds(101, '2024-02-01 11:00+00', '2024-05-01 10:00+00') AS three_months,
	   leadflow.business_add(101, '2024-02-01 11:00+00', 1843200) AS back_again;

-- A calendar without working hours: nothing to add to, zero to measure.
SELECT leadflow.business_add(104, '2024-06-03 08:00+00', 60);
SELECT leadflow.business_seconds(104, '2024-01-01 00:00+00', '2025-01-01 00:00+00') AS never,
	   leadflow.business_is_working(104, '2024-06-03 08:00+00') AS working,
	   leadflow.business_add(104, '2024-06-03 08:00+00', 0) AS add_zero;

-- Amounts that cannot be added.
SELECT leadflow.business_add(101, '2024-06-03 08:00+00', -1);
SELECT leadflow.business_add(101, '2024-06-03 08:00+00', 'NaN');
SELECT leadflow.business_add(101, '2024-06-03 08:00+00', 'Infinity');
SELECT leadflow.business_add(101, '2024-06-03 08:00+00', 1e300);

-- Years 1 and 9999.  Around the clock the sum is the real time, 3652058
-- days.  In Berlin office hours it counts the weekdays: 0001-01-01 is a
-- Monday, and 3652058 days are 521722 weeks and Monday to Thursday, so
-- 2608614 weekdays, less the two holidays of 2024 (a Wednesday and a
-- Thursday): 2608612 days of 8 h = 75128025600 s.
SELECT leadflow.business_seconds(105, '0001-01-01 00:00+00', '9999-12-31 00:00+00') = 3652058 * 86400.0 AS real_time,
	   leadflow.business_seconds(101, '0001-01-01 00:00'::timestamp AT TIME ZONE 'Europe/Berlin',
								 '9999-12-31 00:00'::timestamp AT TIME ZONE 'Europe/Berlin') AS weekdays;
-- Adding that much back ends at Thursday 9999-12-30 17:00 local; 16 h
-- more run through Friday and Monday 10000-01-03.
SELECT leadflow.business_add(101, '0001-01-01 00:00'::timestamp AT TIME ZONE 'Europe/Berlin',
							 75128025600) AT TIME ZONE 'Europe/Berlin' AS last_closing,
	   leadflow.business_add(101, '0001-01-01 00:00'::timestamp AT TIME ZONE 'Europe/Berlin',
							 75128083200) AT TIME ZONE 'Europe/Berlin' AS two_days_more;
-- The ends of the timestamp range.
SELECT leadflow.business_add(105, '294276-12-31 23:00+00', 3599.999999) AS last_microsecond;
SELECT leadflow.business_add(105, '294276-12-31 23:00+00', 3600);
SELECT leadflow.business_add(105, '4713-11-24 00:00+00 BC', 86400) AS first_day;
SELECT leadflow.business_seconds(105, '4713-11-24 00:00+00 BC', '294276-12-31 00:00+00');
SELECT leadflow.business_add(101, '2024-06-03 08:00+00', 1e15);
-- Infinity: added to, it stays; measured from or at, it is refused.
SELECT leadflow.business_add(101, 'infinity', 60) AS plus_inf,
	   leadflow.business_add(101, '-infinity', 60) AS minus_inf;
SELECT leadflow.business_seconds(101, '-infinity', '2024-06-03 08:00+00');
SELECT leadflow.business_is_working(101, 'infinity');

-- NULL in, NULL out.
SELECT leadflow.business_seconds(NULL, now(), now()) IS NULL AS s1,
	   leadflow.business_seconds(101, NULL, now()) IS NULL AS s2,
	   leadflow.business_seconds(101, now(), NULL) IS NULL AS s3,
	   leadflow.business_add(NULL, now(), 1) IS NULL AS a1,
	   leadflow.business_add(101, NULL, 1) IS NULL AS a2,
	   leadflow.business_add(101, now(), NULL) IS NULL AS a3,
	   leadflow.business_is_working(101, NULL) IS NULL AS w1;

-- A calendar that does not exist.
SELECT leadflow.business_seconds(999, now(), now());

-- Validation: every bad configuration is refused with its message.
INSERT INTO leadflow.calendar (name, time_zone) VALUES ('mars', 'Mars/Olympus');
UPDATE leadflow.calendar SET time_zone = 'Europe/Atlantis' WHERE calendar_id = 101;
-- A POSIX rule: "UTC+3" would mean three hours west of UTC.
INSERT INTO leadflow.calendar (name, time_zone) VALUES ('posix', 'UTC+3');
INSERT INTO leadflow.calendar (name, time_zone) VALUES ('empty', '');
INSERT INTO leadflow.calendar (name, time_zone) VALUES ('no zone', NULL);
-- Zone names of the database with digits are fine, in any case.
INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (107, 'fixed', 'Etc/GMT+3'), (108, 'lower case', 'europe/berlin');
-- A range must close after it opens unless the calendar is overnight.
INSERT INTO leadflow.calendar_hours VALUES (101, 6, '17:00', '09:00');
INSERT INTO leadflow.calendar_hours VALUES (101, 6, '09:00', '09:00');
INSERT INTO leadflow.calendar_hours VALUES (106, 6, '24:00', '06:00');
UPDATE leadflow.calendar_hours SET closes = '00:00'
WHERE calendar_id = 101 AND weekday = 5;
-- Ranges must not share time: on one day, or through a night.
INSERT INTO leadflow.calendar_hours VALUES (101, 1, '16:30', '18:00');
INSERT INTO leadflow.calendar_hours VALUES (106, 2, '05:00', '07:00');
INSERT INTO leadflow.calendar_hours VALUES (106, 7, '23:00', '04:00');
INSERT INTO leadflow.calendar_hours VALUES (106, 1, '03:00', '05:00');
-- Rows inserted together are judged together.
INSERT INTO leadflow.calendar_hours VALUES
	(108, 3, '09:00', '12:00'), (108, 3, '11:00', '14:00');
-- Ranges that touch are fine, and so is closing at 24:00.
INSERT INTO leadflow.calendar_hours VALUES
	(108, 3, '09:00', '12:00'), (108, 3, '12:00', '24:00');
-- Moving all of a day's ranges in one statement is judged where they end,
-- though one row moved alone would overlap the next for a moment.
UPDATE leadflow.calendar_hours SET opens = opens + interval '2 hours',
	closes = closes + interval '2 hours'
WHERE calendar_id = 103 AND weekday = 1;
SELECT weekday, opens, closes FROM leadflow.calendar_hours
WHERE calendar_id = 103 AND weekday = 1 ORDER BY opens;
UPDATE leadflow.calendar_hours SET opens = opens - interval '2 hours',
	closes = closes - interval '2 hours'
WHERE calendar_id = 103 AND weekday = 1;
-- Overnight cannot be turned off while ranges run past midnight.
UPDATE leadflow.calendar SET overnight = false WHERE calendar_id = 106;
-- Constraints of the tables still apply behind the triggers.
INSERT INTO leadflow.calendar_hours VALUES (101, 8, '09:00', '17:00');
INSERT INTO leadflow.calendar_hours VALUES (101, 6, NULL, '17:00');
INSERT INTO leadflow.calendar_hours VALUES (999, 6, '09:00', '17:00');
INSERT INTO leadflow.calendar_holiday VALUES (101, 'infinity', 'forever');

-- The cache: a change is seen by the next statement.  Monday 10:00 to
-- 18:00 local holds 7 h with closing at 17:00, 8 h with closing at 18:00.
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS before_change;
UPDATE leadflow.calendar_hours SET closes = '18:00'
WHERE calendar_id = 101 AND weekday = 1;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS after_change;
-- Inside a transaction, and undone by its rollback (closing at 12:00
-- leaves 10-12, 2 h).
BEGIN;
UPDATE leadflow.calendar_hours SET closes = '12:00'
WHERE calendar_id = 101 AND weekday = 1;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS in_transaction;
ROLLBACK;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS after_rollback;
-- The same with a savepoint.
BEGIN;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS loaded;
SAVEPOINT s;
UPDATE leadflow.calendar_hours SET closes = '12:00'
WHERE calendar_id = 101 AND weekday = 1;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS in_savepoint;
ROLLBACK TO SAVEPOINT s;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS after_savepoint;
COMMIT;
-- A holiday, and TRUNCATE of the holidays.
INSERT INTO leadflow.calendar_holiday VALUES (101, '2024-06-03', 'test');
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS on_holiday;
TRUNCATE leadflow.calendar_holiday;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS after_truncate;
-- A new time zone: 09:00-18:00 UTC leaves 09:00-16:00 UTC, 7 h.
UPDATE leadflow.calendar SET time_zone = 'UTC' WHERE calendar_id = 101;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS in_utc;
-- A deleted calendar is gone.
DELETE FROM leadflow.calendar WHERE calendar_id = 107;
SELECT leadflow.business_seconds(107, now(), now());

-- Parallel workers load calendars too, and agree with the leader: every
-- 37 minutes of 2024, the business time of the three days that follow.
-- (Temporary tables are never scanned in parallel, hence a plain one.)
CREATE TABLE arrivals AS
SELECT timestamptz '2024-01-01 00:00+00' + i * interval '37 minutes' AS t
FROM generate_series(1, 20000) i;
ANALYZE arrivals;
SELECT sum(leadflow.business_seconds(101, t, t + interval '3 days')) AS serial_sum
FROM arrivals \gset
SET max_parallel_workers_per_gather = 4;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT sum(leadflow.business_seconds(101, t, t + interval '3 days')) = :serial_sum AS parallel_agrees
FROM arrivals;
-- A change between two statements run in parallel mode is seen.  The
-- calendar is on UTC here: Fri 14:00 plus 4 h is Fri 14-17 and Mon 9-10
-- while Friday closes at 17:00, and Fri 18:00 once it closes at 18:00.
SET force_parallel_mode = on;
SELECT leadflow.business_add(101, '2024-06-07 14:00+00', 14400) AS friday_close_17;
UPDATE leadflow.calendar_hours SET closes = '18:00'
WHERE calendar_id = 101 AND weekday = 5;
SELECT leadflow.business_add(101, '2024-06-07 14:00+00', 14400) AS friday_close_18;
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE arrivals;

-- The caller needs no privilege on the tables: they are read as their
-- owner.  (The UPDATE drops the cache, so the next call reads them.)
CREATE ROLE regress_calendar_user;
GRANT USAGE ON SCHEMA leadflow TO regress_calendar_user;
UPDATE leadflow.calendar SET time_zone = 'Europe/Berlin' WHERE calendar_id = 101;
SET ROLE regress_calendar_user;
SELECT count(*) FROM leadflow.calendar;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS as_user;
RESET ROLE;
REVOKE USAGE ON SCHEMA leadflow FROM regress_calendar_user;
DROP ROLE regress_calendar_user;

-- An "=" operator planted ahead of pg_catalog is not used by the reads.
CREATE SCHEMA regress_planted;
CREATE FUNCTION regress_planted.int4eq(integer, integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'planted operator called';
	RETURN $1 OPERATOR(pg_catalog.=) $2;
END
$$;
CREATE OPERATOR regress_planted.= (LEFTARG = integer, RIGHTARG = integer,
	FUNCTION = regress_planted.int4eq);
UPDATE leadflow.calendar SET name = 'Berlin office' WHERE calendar_id = 101;
SET search_path = regress_planted, pg_catalog;
SELECT 1 = 1 AS planted_works_here;
SELECT leadflow.business_seconds(101, '2024-06-03 08:00+00', '2024-06-03 16:00+00') AS not_redirected;
RESET search_path;
DROP SCHEMA regress_planted CASCADE;

DELETE FROM leadflow.calendar WHERE calendar_id BETWEEN 101 AND 108;
