-- sql/0.1.0/83_refresh_schedule.sql: materialised views that DBAs register
-- for the background worker to refresh, and the escalation entry point.

CREATE TABLE leadflow.refresh_schedule (
	matview regclass PRIMARY KEY,
	every interval NOT NULL,
	concurrent boolean NOT NULL DEFAULT false,
	next_run_at timestamptz NOT NULL DEFAULT now(),
	last_started timestamptz,
	last_ended timestamptz,
	last_status text,
	last_error text,
	failures integer NOT NULL DEFAULT 0,
	CONSTRAINT refresh_schedule_every_positive CHECK (every > interval '0'),
	CONSTRAINT refresh_schedule_status_known CHECK (last_status IN
		('ok', 'failed'))
);

COMMENT ON TABLE leadflow.refresh_schedule IS
'Materialised views that the background worker refreshes, each every "every" on a fixed grid, with the outcome of the last refresh.  Runs are also recorded in leadflow.job_run (job matview).  Register with leadflow.schedule_refresh().';
COMMENT ON COLUMN leadflow.refresh_schedule.concurrent IS
'Refresh with REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view).';
COMMENT ON COLUMN leadflow.refresh_schedule.failures IS
'Failed refreshes in a row; each failure doubles the wait before the next try, up to ten minutes or "every".';

SELECT pg_catalog.pg_extension_config_dump('leadflow.refresh_schedule', '');

CREATE FUNCTION leadflow.schedule_refresh(
	matview regclass, every interval, "concurrently" boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF matview IS NULL OR every IS NULL OR "concurrently" IS NULL THEN
		RAISE EXCEPTION 'arguments of leadflow.schedule_refresh must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF (SELECT c.relkind FROM pg_class c WHERE c.oid = matview)
		IS DISTINCT FROM 'm' THEN
		RAISE EXCEPTION '"%" is not a materialized view', matview
			USING ERRCODE = 'wrong_object_type';
	END IF;
	IF every <= interval '0' THEN
		RAISE EXCEPTION 'refresh interval must be positive, not %', every
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF "concurrently" AND NOT EXISTS (
		SELECT 1 FROM pg_index i
		WHERE i.indrelid = matview AND i.indisunique AND i.indisvalid
		  AND i.indpred IS NULL AND i.indexprs IS NULL) THEN
		RAISE EXCEPTION 'cannot refresh materialized view "%" concurrently',
			matview
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Create a unique index with no WHERE clause on one or more columns of the materialized view.';
	END IF;

	INSERT INTO leadflow.refresh_schedule AS s
		(matview, every, concurrent, next_run_at)
	VALUES (matview, every, "concurrently", now())
	ON CONFLICT ON CONSTRAINT refresh_schedule_pkey DO UPDATE
		SET every = excluded.every,
			concurrent = excluded.concurrent,
			next_run_at = least(s.next_run_at, excluded.next_run_at),
			failures = 0;
	PERFORM leadflow.wake_worker();
END
$$;

COMMENT ON FUNCTION leadflow.schedule_refresh(regclass, interval, boolean) IS
'Registers a materialised view for the background worker to refresh every "every", first at once; registering it again changes the interval.  The worker role (leadflow.worker_role, by default the extension''s owner) must own the view.';

CREATE FUNCTION leadflow.unschedule_refresh(matview regclass)
RETURNS boolean
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH gone AS (
		DELETE FROM leadflow.refresh_schedule s
		WHERE s.matview = unschedule_refresh.matview
		RETURNING 1)
	SELECT count(*) > 0 FROM gone;
END;

COMMENT ON FUNCTION leadflow.unschedule_refresh(regclass) IS
'Stops refreshing a materialised view; returns whether it was registered.';

REVOKE ALL ON FUNCTION leadflow.schedule_refresh(regclass, interval, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION leadflow.unschedule_refresh(regclass) FROM PUBLIC;

CREATE FUNCTION leadflow.run_escalations()
RETURNS bigint
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadflow_run_escalations';

COMMENT ON FUNCTION leadflow.run_escalations() IS
'Fires the escalation steps that are due now, as the background worker does every leadflow.escalation_interval: at most leadflow.escalation_batch_size leads, in the calling transaction.  Returns the number of steps fired.';

REVOKE ALL ON FUNCTION leadflow.run_escalations() FROM PUBLIC;
