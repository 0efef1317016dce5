-- tests/demo/replay.sql: the live part of `make demo`, in a database of
-- its own while the background worker runs.  The eight most recent Olist
-- leads arrive again, one every 1.5 s, on a 24/7 demo calendar with an
-- SLA of 3 seconds; simulated reps answer some of them and not others, and
-- the running worker escalates the ones nobody answered in time.  What is
-- simulated is labelled so: the reps, their calls and the calendar.
--
--   LEADFLOW_DATA=/path/to/data psql -v t0=<epoch seconds> -f replay.sql
--
-- t0 is the instant the caller counts from, so that this script's lines
-- and the caller's (the escalations it hears) share one clock.

\set ON_ERROR_STOP on
SET client_min_messages = notice;

CREATE SCHEMA leadflow_replay;
COMMENT ON SCHEMA leadflow_replay IS
'The live replay of `make demo` (tests/demo/replay.sql).';

-- The organisation: every hour of every day is working time, so business
-- seconds are wall-clock seconds; a manager outside the team, two reps in
-- it.  The policy: answer within 3 s; warn at half of it; remind the rep
-- at due, alert the manager 2 s later, give the lead to the other rep 4 s
-- after due.
INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (1, 'demo 24/7 (simulated)', 'UTC');
INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
SELECT 1, d, '00:00', '24:00' FROM generate_series(1, 7) d;
INSERT INTO leadflow.team (team_id, name, calendar_id)
VALUES (1, 'replay team (simulated)', 1);
INSERT INTO leadflow.rep (rep_id, name, team_id, manager_id) VALUES
	(1, 'simulated manager Carla', NULL, NULL),
	(2, 'simulated rep Ana', 1, 1),
	(3, 'simulated rep Bruno', 1, 1);
INSERT INTO leadflow.sla_policy (policy_id, name, calendar_id, allowance,
								 warn_share)
VALUES (1, 'demo: answer within 3 s', 1, '3 seconds', 0.5);
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (1, 1, 'remind_rep', '0 seconds'),
	(1, 2, 'alert_manager', '2 seconds'),
	(1, 3, 'reassign', '4 seconds');

-- The leads to replay: the eight latest of the Olist file.
CREATE TABLE leadflow_replay.mql (
	mql_id text,
	first_contact_date text,
	landing_page_id text,
	origin text
);
\copy leadflow_replay.mql FROM PROGRAM 'cat "$LEADFLOW_DATA/olist/marketing_qualified_leads.csv"' WITH (FORMAT csv, HEADER match)

INSERT INTO leadflow.campaign (name)
SELECT DISTINCT 'olist lp ' || landing_page_id FROM leadflow_replay.mql;

-- What happens, and when (seconds after the start).  Lead k arrives at
-- 1 + 1.5 k s and goes to Ana (k even) or Bruno (k odd).  By k mod 4 it
-- is answered with a connected call after 1 s (Ana), never (Bruno), with
-- an unanswered call after 2 s, after the warning (Ana), or with a
-- connected call after 4 s, late (Bruno).
CREATE TABLE leadflow_replay.plan AS
WITH latest AS (
	SELECT m.*, row_number() OVER (
		ORDER BY to_date(m.first_contact_date, 'DD-MM-YYYY') DESC,
				 m.mql_id) - 1 AS k
	FROM leadflow_replay.mql m
)
SELECT k, mql_id, nullif(origin, '') AS channel, landing_page_id,
	   2 + (k % 2)::integer AS rep_id,
	   1 + 1.5 * k AS arrives_s,
	   CASE k % 4 WHEN 0 THEN 2 + 1.5 * k WHEN 2 THEN 3 + 1.5 * k
		   WHEN 3 THEN 5 + 1.5 * k END AS answered_s,
	   CASE k % 4 WHEN 0 THEN 'connected' WHEN 2 THEN 'no_answer'
		   WHEN 3 THEN 'connected' END AS outcome
FROM latest WHERE k < 8;

CREATE TABLE leadflow_replay.event AS
SELECT p.k, p.mql_id, p.channel, p.landing_page_id, p.rep_id, p.outcome,
	   ev.at_s, ev.what, false AS done
FROM leadflow_replay.plan p,
	 LATERAL (VALUES (p.arrives_s, 'arrive'), (p.answered_s, 'answer'))
		ev(at_s, what)
WHERE ev.at_s IS NOT NULL;

-- A tenth of a second at a time: the events whose time has come happen,
-- and a rep who was given a lead by the worker's reassign step calls it
-- a second later (simulated), until every lead has been answered.
CREATE PROCEDURE leadflow_replay.run(t0 double precision)
LANGUAGE plpgsql
AS $$
DECLARE
	e record;
	lead bigint;
	rep text;
	at text;
BEGIN
	WHILE extract(epoch FROM clock_timestamp()) - t0 < 60 LOOP
		at := lpad(to_char(extract(epoch FROM clock_timestamp()) - t0,
						   'FM990.0'), 4);
		FOR e IN
			SELECT * FROM leadflow_replay.event
			WHERE NOT done
			  AND at_s <= extract(epoch FROM clock_timestamp()) - t0
			ORDER BY at_s, what DESC
		LOOP
			SELECT name INTO rep FROM leadflow.rep WHERE rep_id = e.rep_id;
			IF e.what = 'arrive' THEN
				INSERT INTO leadflow.lead (external_ref, received_at, channel,
										   campaign_name, rep_id, attributes)
				VALUES ('olist:' || e.mql_id, clock_timestamp(), e.channel,
						'olist lp ' || e.landing_page_id, e.rep_id,
						jsonb_build_object('data_set', 'olist',
							'replayed', 'arrived again, live, in the demo'))
				RETURNING lead_id INTO lead;
				RAISE NOTICE '[+% s] lead % arrives (Olist MQL %, channel %), held by %',
					at, lead, left(e.mql_id, 8), coalesce(e.channel, '(none)'),
					rep;
			ELSE
				SELECT lead_id INTO lead FROM leadflow.lead
				WHERE external_ref = 'olist:' || e.mql_id;
				INSERT INTO leadflow.touch (lead_id, rep_id, kind, direction,
											outcome, touched_at)
				VALUES (lead, e.rep_id, 'call', 'outbound', e.outcome,
						clock_timestamp());
				RAISE NOTICE '[+% s] % calls lead %: % (simulated)',
					at, rep, lead, replace(e.outcome, '_', ' ');
			END IF;
			UPDATE leadflow_replay.event SET done = true
			WHERE k = e.k AND what = e.what;
		END LOOP;

		FOR e IN
			SELECT l.lead_id, l.rep_id, r.name
			FROM leadflow.lead l
			JOIN leadflow.escalation x ON x.lead_id = l.lead_id
			JOIN leadflow.rep r ON r.rep_id = l.rep_id
			WHERE l.first_response_at IS NULL AND x.outcome = 'reassigned'
			  AND x.fired_at < clock_timestamp() - interval '1 second'
		LOOP
			INSERT INTO leadflow.touch (lead_id, rep_id, kind, direction,
										outcome, touched_at)
			VALUES (e.lead_id, e.rep_id, 'call', 'outbound', 'connected',
					clock_timestamp());
			RAISE NOTICE '[+% s] % calls reassigned lead %: connected (simulated)',
				at, e.name, e.lead_id;
		END LOOP;
		COMMIT;

		EXIT WHEN NOT EXISTS (SELECT 1 FROM leadflow_replay.event
							  WHERE NOT done)
			  AND NOT EXISTS (SELECT 1 FROM leadflow.lead
							  WHERE first_response_at IS NULL);
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;

CALL leadflow_replay.run(:t0);
