-- tests/regress/sql/privileges.sql: an application role that may only
-- write leads and touches gets every write-time figure, without rights on
-- configuration, the event log or the figures' upkeep.
SET timezone = 'UTC';

INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (401, 'app calendar', 'UTC');
INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
SELECT 401, d, '00:00', '24:00' FROM generate_series(1, 7) d;
INSERT INTO leadflow.campaign (campaign_id, name, channel)
VALUES (401, 'app campaign', 'app_channel');
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel, calendar_id, allowance)
VALUES (401, 'app policy', 1, 'app_channel', 401, '10 minutes');

CREATE ROLE leadflow_regress_app;
GRANT USAGE ON SCHEMA leadflow TO leadflow_regress_app;
GRANT SELECT, INSERT ON leadflow.lead, leadflow.touch TO leadflow_regress_app;

SET ROLE leadflow_regress_app;
INSERT INTO leadflow.lead (lead_id, received_at, campaign_name, phone_raw)
VALUES (401, '2026-03-02 10:00+00', 'app campaign', '0912000401');
INSERT INTO leadflow.touch (touch_id, lead_id, kind, outcome, touched_at)
VALUES (401, 401, 'call', 'connected', '2026-03-02 10:04+00');
SELECT campaign_id, policy_id, sla_due_at, first_response_touch_id,
	response_business_s, sla_met, stage
FROM leadflow.lead WHERE lead_id = 401;
-- The role still cannot read configuration or the log directly.
SELECT count(*) FROM leadflow.sla_policy;
SELECT count(*) FROM leadflow.lead_event;
RESET ROLE;

SELECT kind FROM leadflow.lead_event WHERE lead_id = 401 ORDER BY event_id;

DELETE FROM leadflow.lead WHERE lead_id = 401;
REVOKE ALL ON leadflow.lead, leadflow.touch FROM leadflow_regress_app;
REVOKE ALL ON SCHEMA leadflow FROM leadflow_regress_app;
DROP ROLE leadflow_regress_app;
