-- sql/0.1.0/11_calendar_functions.sql: business time on calendars, and
-- the triggers that check calendars and keep every backend's cache of
-- them current.
--
-- An instant is working when the calendar's wall clock shows a time inside
-- a range that opens on a date that is not a holiday.  Wall-clock times a
-- daylight-saving jump skips count nothing; times it repeats count twice.

COMMENT ON COLUMN leadflow.calendar_hours.opens IS
'Local opening time, before 24:00, on the date the range belongs to.';

CREATE FUNCTION leadflow.business_seconds(calendar integer,
										  "from" timestamptz,
										  "to" timestamptz)
RETURNS double precision
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_business_seconds';

COMMENT ON FUNCTION leadflow.business_seconds(integer, timestamptz, timestamptz) IS
'Business seconds on a calendar from "from" to "to": the real seconds during which the calendar''s wall clock shows working hours, holidays left out.  Negative when "from" is after "to".';

CREATE FUNCTION leadflow.business_add(calendar integer,
									  "from" timestamptz,
									  seconds double precision)
RETURNS timestamptz
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_business_add';

COMMENT ON FUNCTION leadflow.business_add(integer, timestamptz, double precision) IS
'The earliest instant by which the given number of business seconds on a calendar have passed since "from" (to the microsecond).  Zero seconds return "from"; an amount that runs out at a closing time returns that closing time.  Negative amounts and calendars without working hours are refused.';

CREATE FUNCTION leadflow.business_is_working(calendar integer,
											 "at" timestamptz)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_business_is_working';

COMMENT ON FUNCTION leadflow.business_is_working(integer, timestamptz) IS
'Whether the instant falls inside the calendar''s working hours.';

-- Checks of new and changed rows.

CREATE FUNCTION leadflow.calendar_check()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_calendar_check';

COMMENT ON FUNCTION leadflow.calendar_check() IS
'BEFORE INSERT OR UPDATE row trigger on leadflow.calendar: refuses unrecognized time zones, and turning overnight off while ranges run past midnight.';

CREATE TRIGGER leadflow_calendar_insert_update
	BEFORE INSERT OR UPDATE ON leadflow.calendar
	FOR EACH ROW EXECUTE FUNCTION leadflow.calendar_check();

CREATE FUNCTION leadflow.calendar_hours_check()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_calendar_hours_check';

COMMENT ON FUNCTION leadflow.calendar_hours_check() IS
'BEFORE INSERT OR UPDATE row trigger on leadflow.calendar_hours: refuses ranges opening at 24:00, and ranges not closing after they open on calendars that are not overnight.';

CREATE TRIGGER leadflow_calendar_hours_insert_update
	BEFORE INSERT OR UPDATE ON leadflow.calendar_hours
	FOR EACH ROW EXECUTE FUNCTION leadflow.calendar_hours_check();

CREATE FUNCTION leadflow.calendar_hours_check_overlap()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_calendar_hours_check_overlap';

COMMENT ON FUNCTION leadflow.calendar_hours_check_overlap() IS
'Constraint trigger on leadflow.calendar_hours: after the statement (or at commit when deferred), refuses ranges of one calendar that share working time, overnight ranges included.';

-- A constraint trigger fires once the statement is done, so rows moved
-- together in one UPDATE are judged where they end up.
CREATE CONSTRAINT TRIGGER leadflow_calendar_hours_after_insert_update
	AFTER INSERT OR UPDATE ON leadflow.calendar_hours
	DEFERRABLE INITIALLY IMMEDIATE
	FOR EACH ROW EXECUTE FUNCTION leadflow.calendar_hours_check_overlap();

CREATE FUNCTION leadflow.calendar_holiday_check()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_calendar_holiday_check';

COMMENT ON FUNCTION leadflow.calendar_holiday_check() IS
'BEFORE INSERT OR UPDATE row trigger on leadflow.calendar_holiday: refuses infinite dates.';

CREATE TRIGGER leadflow_calendar_holiday_insert_update
	BEFORE INSERT OR UPDATE ON leadflow.calendar_holiday
	FOR EACH ROW EXECUTE FUNCTION leadflow.calendar_holiday_check();

-- Cache invalidation: any change to a calendar table is seen by the next
-- statement of every backend.

CREATE FUNCTION leadflow.calendar_invalidate()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_calendar_invalidate';

COMMENT ON FUNCTION leadflow.calendar_invalidate() IS
'Statement trigger on the calendar tables: makes every backend drop its cached calendars, here after the statement and elsewhere after commit.';

CREATE TRIGGER leadflow_calendar_change
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leadflow.calendar
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.calendar_invalidate();

CREATE TRIGGER leadflow_calendar_hours_change
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leadflow.calendar_hours
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.calendar_invalidate();

CREATE TRIGGER leadflow_calendar_holiday_change
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON leadflow.calendar_holiday
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.calendar_invalidate();
