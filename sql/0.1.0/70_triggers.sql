
-- sql/0.1.0/70_triggers.sql: the write-time triggers on leads and touches,
-- and cache invalidation on the configuration tables they read (the
-- function leadflow.config_changed() is in 05_cache.sql).

CREATE FUNCTION leadflow.lead_before()
RETURNS trigger LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_lead_before';

CREATE FUNCTION leadflow.lead_after()
RETURNS trigger LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_lead_after';

CREATE FUNCTION leadflow.touch_before()
RETURNS trigger LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_touch_before';

CREATE FUNCTION leadflow.touch_after()
RETURNS trigger LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_touch_after';

COMMENT ON FUNCTION leadflow.lead_before() IS
'Normalises contacts, finds duplicates, scores, starts the SLA clock and records stage entry times of a lead being written.';
COMMENT ON FUNCTION leadflow.lead_after() IS
'Appends to the lead event log and keeps close counts after a lead is written.';
COMMENT ON FUNCTION leadflow.touch_before() IS
'Locks the touched lead and flags touches stamped before its arrival.';
COMMENT ON FUNCTION leadflow.touch_after() IS
'Recomputes the lead''s first response, latency, SLA verdict and reach from its touches.';

CREATE TRIGGER leadflow_lead_before
	BEFORE INSERT OR UPDATE ON leadflow.lead
	FOR EACH ROW EXECUTE FUNCTION leadflow.lead_before();
CREATE TRIGGER leadflow_lead_after
	AFTER INSERT OR UPDATE OR DELETE ON leadflow.lead
	FOR EACH ROW EXECUTE FUNCTION leadflow.lead_after();
CREATE TRIGGER leadflow_touch_before
	BEFORE INSERT OR UPDATE ON leadflow.touch
	FOR EACH ROW EXECUTE FUNCTION leadflow.touch_before();
CREATE TRIGGER leadflow_touch_after
	AFTER INSERT OR UPDATE OR DELETE ON leadflow.touch
	FOR EACH ROW EXECUTE FUNCTION leadflow.touch_after();

CREATE TRIGGER leadflow_campaign_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leadflow.campaign
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.config_changed();
CREATE TRIGGER leadflow_sla_policy_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leadflow.sla_policy
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.config_changed();
-- The policy cache knows which policies have a ladder.
CREATE TRIGGER leadflow_escalation_step_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leadflow.escalation_step
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.config_changed();

-- Caches must hear of changes applied by logical replication too.
ALTER TABLE leadflow.campaign
	ENABLE ALWAYS TRIGGER leadflow_campaign_changed;
ALTER TABLE leadflow.sla_policy
	ENABLE ALWAYS TRIGGER leadflow_sla_policy_changed;
ALTER TABLE leadflow.escalation_step
	ENABLE ALWAYS TRIGGER leadflow_escalation_step_changed;

-- The event log is history: rows are appended, never rewritten.
CREATE FUNCTION leadflow.lead_event_refuse_update()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'cannot update rows of the lead event log'
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  HINT = 'The event log is append-only; record a new event instead.';
END
$$;

CREATE TRIGGER leadflow_lead_event_update
	BEFORE UPDATE ON leadflow.lead_event
	FOR EACH ROW EXECUTE FUNCTION leadflow.lead_event_refuse_update();

-- TRUNCATE fires no row triggers: put right what the row triggers keep.
CREATE FUNCTION leadflow.touch_truncated()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE leadflow.lead SET
		first_response_touch_id = NULL, first_response_at = NULL,
		response_wall_s = NULL, response_business_s = NULL, sla_met = NULL,
		reached_touch_id = NULL, attempts_before_reach = NULL,
		outbound_touches = 0, last_touch_at = NULL,
		attempting_at = CASE WHEN stage IN ('new', 'attempting', 'reached')
			THEN NULL ELSE attempting_at END,
		reached_at = CASE WHEN stage IN ('new', 'attempting', 'reached')
			THEN NULL ELSE reached_at END,
		stage = CASE WHEN stage IN ('attempting', 'reached')
			THEN 'new' ELSE stage END
	WHERE outbound_touches > 0 OR last_touch_at IS NOT NULL;
	RETURN NULL;
END
$$;

CREATE FUNCTION leadflow.lead_truncated()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	TRUNCATE leadflow.close_stats;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION leadflow.touch_truncated() IS
'After TRUNCATE of the touches, clears every lead''s touch figures, as a recomputation from no touches gives.';
COMMENT ON FUNCTION leadflow.lead_truncated() IS
'After TRUNCATE of the leads, empties the close counts the score reads.';

CREATE TRIGGER leadflow_touch_truncate
	AFTER TRUNCATE ON leadflow.touch
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.touch_truncated();
CREATE TRIGGER leadflow_lead_truncate
	AFTER TRUNCATE ON leadflow.lead
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.lead_truncated();
