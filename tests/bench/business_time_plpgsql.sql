-- tests/bench/business_time_plpgsql.sql: the PL/pgSQL baseline for
-- tests/bench/business_time.sh.  Business time written the way a careful
-- DBA would without a C extension: read the calendar's hours and holidays
-- once per call into arrays, then walk the local days from the start,
-- turning each day's ranges into instants with AT TIME ZONE and summing
-- or consuming their overlap.  Same tables and meaning as leadflow's
-- functions; where daylight saving time moves a range edge into a skipped
-- or repeated hour the two can differ, which the benchmark's calendar
-- (09:00-17:00 with lunch) never does.

CREATE OR REPLACE FUNCTION bench_plpgsql_business_seconds(
	cal integer, t0 timestamptz, t1 timestamptz)
RETURNS double precision
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
	zone text;
	wd smallint[];
	op time[];
	cl time[];
	off date[];
	day date;
	last_day date;
	dow integer;
	s timestamptz;
	e timestamptz;
	total double precision := 0;
	i integer;
BEGIN
	IF t0 > t1 THEN
		RETURN -bench_plpgsql_business_seconds(cal, t1, t0);
	END IF;
	SELECT time_zone INTO zone FROM leadflow.calendar
	WHERE calendar_id = cal;
	SELECT array_agg(weekday ORDER BY weekday, opens),
		   array_agg(opens ORDER BY weekday, opens),
		   array_agg(closes ORDER BY weekday, opens)
	INTO wd, op, cl
	FROM leadflow.calendar_hours WHERE calendar_id = cal;
	IF wd IS NULL THEN
		RETURN 0;
	END IF;

	-- Yesterday's overnight range may still run at t0.
	day := (t0 AT TIME ZONE zone)::date - 1;
	last_day := (t1 AT TIME ZONE zone)::date;
	SELECT coalesce(array_agg(holiday), '{}') INTO off
	FROM leadflow.calendar_holiday
	WHERE calendar_id = cal AND holiday BETWEEN day AND last_day;

	WHILE day <= last_day LOOP
		IF NOT day = ANY (off) THEN
			dow := extract(isodow FROM day);
			FOR i IN 1 .. array_length(wd, 1) LOOP
				CONTINUE WHEN wd[i] <> dow;
				s := greatest((day + op[i]) AT TIME ZONE zone, t0);
				e := least((day + cl[i] + CASE WHEN cl[i] <= op[i]
						   THEN interval '1 day' ELSE interval '0' END)
						   AT TIME ZONE zone, t1);
				IF e > s THEN
					total := total + extract(epoch FROM e - s);
				END IF;
			END LOOP;
		END IF;
		day := day + 1;
	END LOOP;
	RETURN total;
END
$$;

CREATE OR REPLACE FUNCTION bench_plpgsql_business_add(
	cal integer, t0 timestamptz, seconds double precision)
RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
	zone text;
	wd smallint[];
	op time[];
	cl time[];
	off date[];
	day date;
	dow integer;
	s timestamptz;
	e timestamptz;
	remaining double precision := seconds;
	len double precision;
	i integer;
BEGIN
	IF seconds < 0 THEN
		RAISE EXCEPTION 'cannot add negative business time';
	ELSIF seconds = 0 THEN
		RETURN t0;
	END IF;
	SELECT time_zone INTO zone FROM leadflow.calendar
	WHERE calendar_id = cal;
	SELECT array_agg(weekday ORDER BY weekday, opens),
		   array_agg(opens ORDER BY weekday, opens),
		   array_agg(closes ORDER BY weekday, opens)
	INTO wd, op, cl
	FROM leadflow.calendar_hours WHERE calendar_id = cal;
	IF wd IS NULL THEN
		RAISE EXCEPTION 'calendar % has no working hours', cal;
	END IF;

	day := (t0 AT TIME ZONE zone)::date - 1;
	SELECT coalesce(array_agg(holiday), '{}') INTO off
	FROM leadflow.calendar_holiday
	WHERE calendar_id = cal AND holiday >= day;

	LOOP
		IF NOT day = ANY (off) THEN
			dow := extract(isodow FROM day);
			FOR i IN 1 .. array_length(wd, 1) LOOP
				CONTINUE WHEN wd[i] <> dow;
				s := greatest((day + op[i]) AT TIME ZONE zone, t0);
				e := (day + cl[i] + CASE WHEN cl[i] <= op[i]
					  THEN interval '1 day' ELSE interval '0' END)
					  AT TIME ZONE zone;
				IF e > s THEN
					len := extract(epoch FROM e - s);
					IF len >= remaining THEN
						RETURN s + remaining * interval '1 second';
					END IF;
					remaining := remaining - len;
				END IF;
			END LOOP;
		END IF;
		day := day + 1;
	END LOOP;
END
$$;
