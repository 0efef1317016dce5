-- sql/0.1.0/89_reader.sql: leadflow.grant_reader(role) gives a BI role
-- the metric views and nothing else: USAGE on the schema and SELECT on
-- each view.  The views are owned by the extension's owner, so they read
-- the tables with its rights; the role itself gets no right on any table.

CREATE FUNCTION leadflow.reader_views()
RETURNS SETOF regclass
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT v::regclass FROM unnest(ARRAY[
		'leadflow.campaign_quality', 'leadflow.rep_responsiveness',
		'leadflow.team_responsiveness', 'leadflow.funnel',
		'leadflow.sla_breaches_now', 'leadflow.lost_lead_attribution',
		'leadflow.lost_lead_summary', 'leadflow.call_review_queue',
		'leadflow.metric_time_zone']) v;
END;

COMMENT ON FUNCTION leadflow.reader_views() IS
'The views leadflow.grant_reader() grants.';

CREATE FUNCTION leadflow.grant_reader(reader regrole)
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rel regclass;
	granted integer := 0;
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA leadflow TO %s', reader);
	FOR rel IN SELECT leadflow.reader_views() LOOP
		EXECUTE format('GRANT SELECT ON %s TO %s', rel, reader);
		granted := granted + 1;
	END LOOP;
	RETURN granted;
END
$$;

COMMENT ON FUNCTION leadflow.grant_reader(regrole) IS
'Gives a role (e.g. the BI tool''s) USAGE on schema leadflow and SELECT on the metric views (leadflow.reader_views()), and nothing on the tables.  Returns the number of views granted.  Runs with the rights of the extension''s owner; only that owner may call it unless it grants EXECUTE.';

REVOKE ALL ON FUNCTION leadflow.grant_reader(regrole) FROM PUBLIC;
