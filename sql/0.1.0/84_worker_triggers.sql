-- sql/0.1.0/84_worker_triggers.sql: statement triggers that tell the
-- background worker what changed: the escalation queue, and the change
-- log of the rollups.  The rollups are computed from lead rows alone
-- (touches reach them through the lead columns the touch triggers keep),
-- so only changes to leads are logged.  One trigger per event, since a
-- trigger with transition tables fires for one event only; each works in
-- set form over the transition tables, whatever the number of rows.  A
-- new lead is logged and queued by its C row trigger instead
-- (extension/worker_log.c): a transition table of every inserted lead
-- cost more than all the rest of an insert's bookkeeping.

-- An update logs the old and the new row of a lead whose figures may
-- have changed, and requeues a lead only when something its escalation
-- depends on changed.
CREATE FUNCTION leadflow.worker_lead_updated()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	changed bigint[];
BEGIN
	WITH c AS (
		SELECT o.lead_id AS old_id, n.lead_id AS new_id
		FROM old_rows o FULL JOIN new_rows n ON n.lead_id = o.lead_id
		WHERE o.lead_id IS NULL OR n.lead_id IS NULL
		   OR (o.received_at, o.campaign_id, o.rep_id, o.channel,
			o.duplicate_of, o.first_response_at, o.reached_at,
			o.potential_at, o.hot_at, o.won_at, o.stage, o.close_reason,
			o.sla_due_at, o.sla_met, o.response_business_s,
			o.response_wall_s, o.attempts_before_reach,
			o.outbound_touches, o.score, o.assigned_at,
			o.attempting_at, o.closed_at)
			IS DISTINCT FROM
			  (n.received_at, n.campaign_id, n.rep_id, n.channel,
			n.duplicate_of, n.first_response_at, n.reached_at,
			n.potential_at, n.hot_at, n.won_at, n.stage, n.close_reason,
			n.sla_due_at, n.sla_met, n.response_business_s,
			n.response_wall_s, n.attempts_before_reach,
			n.outbound_touches, n.score, n.assigned_at,
			n.attempting_at, n.closed_at))
	INSERT INTO leadflow.rollup_delta (sign,
		received_at, campaign_id, rep_id, channel, duplicate_of,
		first_response_at, reached_at, potential_at, hot_at, won_at, stage,
		close_reason, sla_due_at, sla_met, response_business_s,
		response_wall_s, attempts_before_reach, outbound_touches, score,
		assigned_at, attempting_at, closed_at)
	SELECT -1,
		o.received_at, o.campaign_id, o.rep_id, o.channel, o.duplicate_of,
		o.first_response_at, o.reached_at, o.potential_at, o.hot_at,
		o.won_at, o.stage, o.close_reason, o.sla_due_at, o.sla_met,
		o.response_business_s, o.response_wall_s, o.attempts_before_reach,
		o.outbound_touches, o.score, o.assigned_at, o.attempting_at,
		o.closed_at
	FROM old_rows o WHERE o.lead_id IN (SELECT c.old_id FROM c)
	UNION ALL
	SELECT 1,
		n.received_at, n.campaign_id, n.rep_id, n.channel, n.duplicate_of,
		n.first_response_at, n.reached_at, n.potential_at, n.hot_at,
		n.won_at, n.stage, n.close_reason, n.sla_due_at, n.sla_met,
		n.response_business_s, n.response_wall_s, n.attempts_before_reach,
		n.outbound_touches, n.score, n.assigned_at, n.attempting_at,
		n.closed_at
	FROM new_rows n WHERE n.lead_id IN (SELECT c.new_id FROM c);

	changed := array(
		SELECT n.lead_id
		FROM new_rows n JOIN old_rows o ON o.lead_id = n.lead_id
		WHERE (n.sla_due_at, n.sla_started_at, n.policy_id, n.paused_until,
			   n.first_response_at, n.stage)
			IS DISTINCT FROM
			  (o.sla_due_at, o.sla_started_at, o.policy_id, o.paused_until,
			   o.first_response_at, o.stage));
	IF cardinality(changed) > 0 THEN
		PERFORM leadflow.escalation_queue_leads(changed);
	END IF;
	RETURN NULL;
END
$$;

-- A deleted lead takes its steps, its waits and its place in the queue
-- with it.
CREATE FUNCTION leadflow.worker_lead_deleted()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO leadflow.rollup_delta (sign,
		received_at, campaign_id, rep_id, channel, duplicate_of,
		first_response_at, reached_at, potential_at, hot_at, won_at, stage,
		close_reason, sla_due_at, sla_met, response_business_s,
		response_wall_s, attempts_before_reach, outbound_touches, score,
		assigned_at, attempting_at, closed_at)
	SELECT -1,
		o.received_at, o.campaign_id, o.rep_id, o.channel, o.duplicate_of,
		o.first_response_at, o.reached_at, o.potential_at, o.hot_at,
		o.won_at, o.stage, o.close_reason, o.sla_due_at, o.sla_met,
		o.response_business_s, o.response_wall_s, o.attempts_before_reach,
		o.outbound_touches, o.score, o.assigned_at, o.attempting_at,
		o.closed_at
	FROM old_rows o;
	DELETE FROM leadflow.escalation_queue q
	WHERE q.lead_id IN (SELECT o.lead_id FROM old_rows o);
	DELETE FROM leadflow.escalation e
	WHERE e.lead_id IN (SELECT o.lead_id FROM old_rows o);
	DELETE FROM leadflow.escalation_wait w
	WHERE w.lead_id IN (SELECT o.lead_id FROM old_rows o);
	RETURN NULL;
END
$$;

-- TRUNCATE empties what belongs to the leads, and has the next refresh
-- rebuild the rollups in full.
CREATE FUNCTION leadflow.worker_lead_truncated()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	TRUNCATE leadflow.escalation_queue, leadflow.escalation,
		leadflow.escalation_wait, leadflow.rollup_delta,
		leadflow.rollup_escalation_delta;
	UPDATE leadflow.rollup_state SET time_zone = NULL;
	RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION leadflow.worker_lead_truncated() FROM PUBLIC;

CREATE TRIGGER leadflow_lead_update_worker
	AFTER UPDATE ON leadflow.lead
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.worker_lead_updated();
CREATE TRIGGER leadflow_lead_delete_worker
	AFTER DELETE ON leadflow.lead
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.worker_lead_deleted();
CREATE TRIGGER leadflow_lead_truncate_worker
	AFTER TRUNCATE ON leadflow.lead
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.worker_lead_truncated();

-- The escalation ledger's changes, logged for the escalation rollup with
-- the same signs.  The ledger is appended to by escalation runs and loses
-- rows with their lead; an update logs the old row and the new one.
CREATE FUNCTION leadflow.worker_escalation_changed()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		INSERT INTO leadflow.rollup_escalation_delta
			(sign, fired_at, rep_id, step, action, outcome)
		SELECT -1, o.fired_at, o.rep_id, o.step, o.action, o.outcome
		FROM old_rows o;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		INSERT INTO leadflow.rollup_escalation_delta
			(sign, fired_at, rep_id, step, action, outcome)
		SELECT 1, n.fired_at, n.rep_id, n.step, n.action, n.outcome
		FROM new_rows n;
	END IF;
	RETURN NULL;
END
$$;

-- TRUNCATE of the ledger alone: the next refresh rebuilds in full.
CREATE FUNCTION leadflow.worker_escalation_truncated()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE leadflow.rollup_state SET time_zone = NULL;
	RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION leadflow.worker_escalation_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION leadflow.worker_escalation_truncated() FROM PUBLIC;

CREATE TRIGGER leadflow_escalation_insert_worker
	AFTER INSERT ON leadflow.escalation
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.worker_escalation_changed();
CREATE TRIGGER leadflow_escalation_update_worker
	AFTER UPDATE ON leadflow.escalation
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.worker_escalation_changed();
CREATE TRIGGER leadflow_escalation_delete_worker
	AFTER DELETE ON leadflow.escalation
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.worker_escalation_changed();
CREATE TRIGGER leadflow_escalation_truncate_worker
	AFTER TRUNCATE ON leadflow.escalation
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.worker_escalation_truncated();
