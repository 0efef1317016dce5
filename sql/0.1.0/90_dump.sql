
-- sql/0.1.0/90_dump.sql: what pg_dump writes out besides the extension.
--
-- Leads, touches and the event log are the company's data, not the
-- extension's: pg_dump must keep them like the configuration tables.  The
-- identity sequences go with their tables, so that rows added after a
-- restore do not collide with restored ones.  Restore with
-- session_replication_role = replica, so rows come back as they were
-- dumped instead of being worked on again by the write-time triggers.

SELECT pg_catalog.pg_extension_config_dump('leadflow.lead', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.touch', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.lead_event', '');

SELECT pg_catalog.pg_extension_config_dump('leadflow.calendar_calendar_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.team_team_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.rep_rep_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.campaign_campaign_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.sla_policy_policy_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.lead_lead_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.touch_touch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.lead_event_event_id_seq', '');
