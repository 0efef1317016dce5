-- tests/regress/sql/worker_admin.sql: the worker's settings and the SQL
-- functions DBAs use to steer it.

-- Defaults of the worker's settings (the test server turns jobs off).
SELECT name, setting, unit, context FROM pg_settings
WHERE name LIKE 'leadflow.%' AND name IN (
	'leadflow.jobs_enabled', 'leadflow.launcher_naptime',
	'leadflow.databases', 'leadflow.worker_role', 'leadflow.max_job_workers',
	'leadflow.max_databases', 'leadflow.job_timeout',
	'leadflow.job_history_days', 'leadflow.escalation_interval',
	'leadflow.escalation_batch_size', 'leadflow.refresh_interval',
	'leadflow.rollup_time_zone', 'leadflow.restoring')
ORDER BY name;

-- Worker timing is set in the configuration, not per session; a time
-- zone the server does not know is refused.
SET leadflow.escalation_interval = 1;
ALTER SYSTEM SET leadflow.rollup_time_zone = 'Mars/Olympus';

-- Registering materialised views.
CREATE TABLE admin_source (id int PRIMARY KEY, v int);
INSERT INTO admin_source VALUES (1, 10), (2, 20);
CREATE MATERIALIZED VIEW admin_totals AS SELECT sum(v) AS total FROM admin_source;
CREATE MATERIALIZED VIEW admin_keyed AS SELECT id, v FROM admin_source;
CREATE UNIQUE INDEX ON admin_keyed (id);
CREATE VIEW admin_plain AS SELECT 1 AS one;

SELECT leadflow.schedule_refresh('admin_plain', '1 minute');
SELECT leadflow.schedule_refresh('admin_totals', '0 seconds');
SELECT leadflow.schedule_refresh('admin_totals', '1 minute', concurrently => true);
SELECT leadflow.schedule_refresh('admin_totals', NULL);
SELECT leadflow.schedule_refresh('admin_totals', '10 minutes');
SELECT leadflow.schedule_refresh('admin_keyed', '1 hour', concurrently => true);
SELECT matview, every, concurrent, next_run_at <= now() AS due_now, failures
FROM leadflow.refresh_schedule ORDER BY matview::text;

-- Registering again changes the interval and keeps one row.
SELECT leadflow.schedule_refresh('admin_totals', '5 minutes');
SELECT matview, every FROM leadflow.refresh_schedule ORDER BY matview::text;
SELECT leadflow.unschedule_refresh('admin_totals') AS was_registered,
	   leadflow.unschedule_refresh('admin_totals') AS still_registered;
SELECT matview FROM leadflow.refresh_schedule ORDER BY matview::text;
SELECT leadflow.unschedule_refresh('admin_keyed');

-- Restore mode is a database setting that pre_restore() sets and
-- post_restore() removes.
SELECT leadflow.pre_restore();
SELECT 'leadflow.restoring=on' = ANY (s.setconfig) AS restoring
FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
WHERE d.datname = current_database() AND s.setrole = 0;
SELECT leadflow.post_restore();
SELECT count(*) AS settings_left FROM pg_db_role_setting s JOIN pg_database d
	ON d.oid = s.setdatabase
WHERE d.datname = current_database() AND s.setrole = 0
  AND 'leadflow.restoring=on' = ANY (s.setconfig);

-- Only the extension's owner (or whom it grants) may steer the worker,
-- even a role that may use the schema.
CREATE ROLE admin_nobody;
GRANT USAGE ON SCHEMA leadflow TO admin_nobody;
SET ROLE admin_nobody;
SELECT leadflow.run_escalations();
SELECT leadflow.refresh_metrics();
SELECT leadflow.schedule_refresh('admin_keyed', '1 hour');
SELECT leadflow.wake_worker();
RESET ROLE;
REVOKE USAGE ON SCHEMA leadflow FROM admin_nobody;
DROP ROLE admin_nobody;

DROP VIEW admin_plain;
DROP MATERIALIZED VIEW admin_totals, admin_keyed;
DROP TABLE admin_source;
