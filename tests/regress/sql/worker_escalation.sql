-- tests/regress/sql/worker_escalation.sql: the escalation job run by hand
-- with leadflow.run_escalations(); the background worker runs no job on
-- the test server (leadflow.jobs_enabled = off).
--
-- Expected times are worked out by hand: calendar 501 works around the
-- clock in UTC, so business time there is wall time; calendar 502 is
-- Europe/Berlin Mon-Fri 09:00-17:00 (UTC+2 in June 2024; 2024-06-07 is a
-- Friday); calendar 503 never works.
SET timezone = 'UTC';

INSERT INTO leadflow.calendar (calendar_id, name, time_zone) VALUES
	(501, 'esc around the clock', 'UTC'),
	(502, 'esc Berlin office', 'Europe/Berlin'),
	(503, 'esc never', 'UTC');
INSERT INTO leadflow.calendar_hours
SELECT 501, d, '00:00', '24:00' FROM generate_series(1, 7) d;
INSERT INTO leadflow.calendar_hours
SELECT 502, d, '09:00', '17:00' FROM generate_series(1, 5) d;

INSERT INTO leadflow.team (team_id, name, calendar_id) VALUES
	(501, 'esc team', 501), (502, 'esc lonely team', 501);
-- 511 manages; 512 holds the leads; 513 is off shift; 514 is full;
-- 515 and 516 are on shift, 515 assigned less recently; 517 is inactive.
INSERT INTO leadflow.rep (rep_id, name, team_id, manager_id, calendar_id,
	active, open_lead_cap, last_assigned_at) VALUES
	(511, 'esc manager', NULL, NULL, NULL, true, NULL, NULL),
	(512, 'esc holder', 501, 511, NULL, true, NULL, '2024-01-01'),
	(513, 'esc off shift', 501, 511, 503, true, NULL, NULL),
	(514, 'esc full', 501, 511, NULL, true, 0, NULL),
	(515, 'esc next', 501, 511, NULL, true, NULL, '2024-01-02'),
	(516, 'esc recent', 501, 511, NULL, true, NULL, '2024-01-03'),
	(517, 'esc gone', 501, 511, NULL, false, NULL, NULL),
	(518, 'esc alone', 502, 511, NULL, true, NULL, NULL);

-- 501: one hour, warning at half, then remind at due, alert 30 min
-- later, reassign an hour after due.  502: two office hours, remind one
-- office hour after due.
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel,
	calendar_id, allowance, warn_share) VALUES
	(501, 'esc fast', 1, 'esc_fast', 501, '1 hour', 0.5),
	(502, 'esc office', 1, 'esc_office', 502, '2 hours', NULL);
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (501, 1, 'remind_rep', '0'), (501, 2, 'alert_manager', '30 minutes'),
	(501, 3, 'reassign', '1 hour'), (502, 1, 'remind_rep', '1 hour');

-- 601 long overdue; 602 answered; 603 paused far ahead; 604 on the office
-- calendar; 605 closed; 606 arrives now (its warning is half an hour
-- away); 607 long overdue in a team with nobody else.
INSERT INTO leadflow.lead (lead_id, received_at, channel, rep_id, policy_id)
VALUES (601, '2020-01-01 10:00+00', 'esc_fast', 512, 501),
	   (602, '2020-01-01 10:00+00', 'esc_fast', 512, 501),
	   (603, '2020-01-01 10:00+00', 'esc_fast', 512, 501),
	   (604, '2024-06-07 14:00+00', 'esc_office', 512, 502),
	   (605, '2020-01-01 10:00+00', 'esc_fast', 512, 501),
	   (606, now(), 'esc_fast', 512, 501),
	   (607, '2020-01-01 10:00+00', 'esc_fast', 518, 501);
INSERT INTO leadflow.touch (lead_id, rep_id, kind, direction, touched_at)
VALUES (602, 512, 'call', 'outbound', '2020-01-01 10:05+00');
UPDATE leadflow.lead SET paused_until = '2999-01-01' WHERE lead_id = 603;
UPDATE leadflow.lead SET stage = 'lost', close_reason = 'price'
WHERE lead_id = 605;

-- Due times: 601 at 11:00; 604 Fri 16:00-17:00 and Mon 09:00-10:00
-- Berlin, so Mon 08:00 UTC.
SELECT lead_id, sla_due_at FROM leadflow.lead
WHERE lead_id BETWEEN 601 AND 605 ORDER BY lead_id;

-- Only open, unanswered leads whose policy has a ladder are queued, at a
-- time no later than their next step: the warning of 606 at the earliest
-- 30 minutes after arrival, the others at due or at the pause's end.
SELECT q.lead_id,
	   CASE WHEN q.lead_id = 606 THEN q.next_at - l.received_at
			ELSE NULL END AS after_arrival,
	   CASE WHEN q.lead_id <> 606 THEN q.next_at END AS next_at
FROM leadflow.escalation_queue q JOIN leadflow.lead l USING (lead_id)
WHERE q.lead_id BETWEEN 601 AND 607 ORDER BY q.lead_id;

-- First run: the warning of overdue leads is skipped (the SLA is already
-- breached); step 1 fires for 601, 604 and 607, one step per lead and run.
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, step, action, due_at, rep_id, manager_id, new_rep_id,
	outcome, fired_at > now() - interval '1 minute' AS fired_now
FROM leadflow.escalation ORDER BY lead_id, step;

-- Second run: 601 and 607 alert the manager; 604 has no more steps.
SELECT leadflow.run_escalations() AS fired;
-- Third run: 601 goes to rep 515, the least recently assigned rep of the
-- team who is active, on shift and below cap; 607 has nobody to go to, so
-- its step 3 does not fire but waits: one record of the wait, and the
-- lead is looked at again one escalation interval (15 s) later.
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, step, due_at, rep_id,
	waiting_since > now() - interval '1 minute' AS waiting_now
FROM leadflow.escalation_wait ORDER BY lead_id, step;
SELECT lead_id, next_at > now() AS later,
	next_at <= now() + interval '15 seconds' AS within_interval
FROM leadflow.escalation_queue WHERE lead_id = 607;
SELECT lead_id, step, action, due_at, rep_id, new_rep_id, outcome
FROM leadflow.escalation WHERE step >= 2 ORDER BY lead_id, step;
SELECT lead_id, rep_id,
	sla_started_at > now() - interval '1 minute' AS clock_restarted,
	sla_due_at = sla_started_at + interval '1 hour' AS new_due
FROM leadflow.lead WHERE lead_id IN (601, 607) ORDER BY lead_id;
SELECT rep_id, last_assigned_at > now() - interval '1 minute' AS just_assigned
FROM leadflow.rep WHERE rep_id BETWEEN 512 AND 516 ORDER BY rep_id;

-- A fourth run fires nothing: every step fired once, and 607's retry is
-- not due yet.
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, count(*) AS steps, count(DISTINCT step) AS distinct_steps
FROM leadflow.escalation GROUP BY lead_id ORDER BY lead_id;

-- Every fired step is an 'escalated' event with its details.
SELECT lead_id, to_value, rep_id, details->>'step' AS step,
	details->>'outcome' AS outcome, details->>'new_rep_id' AS new_rep_id
FROM leadflow.lead_event WHERE kind = 'escalated'
ORDER BY lead_id, (details->>'step')::int;

-- What is left in the queue: 603 until its pause ends, 606 until its
-- warning is due, exactly; 607 until its retry; the reassigned 601 left
-- the ladder's end.
SELECT q.lead_id,
	   CASE WHEN q.lead_id = 606 THEN q.next_at - l.received_at END
		   AS after_arrival,
	   CASE WHEN q.lead_id NOT IN (606, 607) THEN q.next_at END AS next_at
FROM leadflow.escalation_queue q JOIN leadflow.lead l USING (lead_id)
WHERE q.lead_id BETWEEN 601 AND 607 ORDER BY q.lead_id;

-- A new step on the policy requeues its open leads at once, no later
-- than the step is due.
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (501, 4, 'alert_manager', '0');
SELECT q.lead_id, q.next_at <= l.sla_due_at AS in_time
FROM leadflow.escalation_queue q JOIN leadflow.lead l USING (lead_id)
WHERE q.lead_id IN (601, 607) ORDER BY q.lead_id;

-- The pause lifted: 603 is due again at once and fires step 1 (a pause
-- does not move the SLA, so the warning is long past); 601 fires the new
-- step 4 only an hour after its new due; 607 still waits at step 3, so
-- its step 4 does not fire, and the wait is not recorded again.
UPDATE leadflow.lead SET paused_until = NULL WHERE lead_id = 603;
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, step, action FROM leadflow.escalation
WHERE lead_id IN (601, 603, 607) AND step IN (1, 3, 4)
ORDER BY lead_id, step;
SELECT lead_id, step FROM leadflow.escalation_wait ORDER BY lead_id, step;

-- An answer takes a lead out of the queue.
INSERT INTO leadflow.touch (lead_id, rep_id, kind, direction)
VALUES (606, 512, 'sms', 'outbound');
SELECT count(*) AS queued FROM leadflow.escalation_queue
WHERE lead_id = 606;

-- The queue can be rebuilt from the leads.  The rebuilt queue holds every
-- open, unanswered lead; the next run fires only what was due anyway
-- (603's step 2, queued at its due time by the last run; 607 is looked
-- at again and still waits, recorded once) and drops the leads whose
-- ladder has ended, which leaves the queue as it was.
CREATE TEMP TABLE queued_before AS
	SELECT lead_id FROM leadflow.escalation_queue;
SELECT leadflow.rebuild_escalation_queue() >
	(SELECT count(*) FROM queued_before) AS rebuilt_more;
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, step, action FROM leadflow.escalation
WHERE lead_id = 603 ORDER BY step;
SELECT lead_id, step FROM leadflow.escalation_wait ORDER BY lead_id, step;
SELECT count(*) AS differences FROM (
	(SELECT lead_id FROM leadflow.escalation_queue
	 EXCEPT SELECT lead_id FROM queued_before)
	UNION ALL
	(SELECT lead_id FROM queued_before
	 EXCEPT SELECT lead_id FROM leadflow.escalation_queue)) d;

-- A rep who joins 607's team inactive changes nothing; made active, the
-- team's waiting lead is due again at once, and the next run gives it to
-- him: step 3 fires once, with the time the wait began in its event
-- (603's reassign, due since its pause ended, fires in the same run).
INSERT INTO leadflow.rep (rep_id, name, team_id, manager_id, active)
VALUES (519, 'esc newcomer', 502, 511, false);
SELECT next_at > now() AS later FROM leadflow.escalation_queue
WHERE lead_id = 607;
UPDATE leadflow.rep SET active = true WHERE rep_id = 519;
SELECT next_at <= now() AS due_now FROM leadflow.escalation_queue
WHERE lead_id = 607;
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, step, action, due_at, rep_id, new_rep_id, outcome
FROM leadflow.escalation WHERE lead_id = 607 ORDER BY step;
SELECT lead_id, rep_id FROM leadflow.lead WHERE lead_id = 607;
SELECT count(*) AS events, min(e.rep_id) AS rep_id,
	min(details->>'outcome') AS outcome,
	min(details->>'new_rep_id') AS new_rep_id,
	bool_and((details->>'waiting_since')::timestamptz
			 = w.waiting_since) AS wait_begin_kept
FROM leadflow.lead_event e
JOIN leadflow.escalation_wait w ON w.lead_id = e.lead_id
	AND w.step = (e.details->>'step')::int
WHERE e.kind = 'escalated' AND e.lead_id = 607;
-- Once reassigned, nothing fires again until the next step is due (an
-- hour after the new due); 603's last step fired with 607's.
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, count(*) AS steps, count(DISTINCT step) AS distinct_steps
FROM leadflow.escalation WHERE lead_id = 607 GROUP BY lead_id;

-- Manual runs are recorded as such.
SELECT job, status, rows_touched, manual, pid = pg_backend_pid() AS mine
FROM leadflow.job_run WHERE job = 'escalate' ORDER BY run_id;

-- A reassignment that fails (here a trigger of the site's refuses to move
-- lead 609) is undone alone: 608 goes to another rep in the same run, 609
-- stays, is not recorded as waiting, and is tried again an interval
-- later; the run says so.  Policy 503 reassigns at due.
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel,
	calendar_id, allowance)
VALUES (503, 'esc reassign', 1, 'esc_reassign', 501, '1 hour');
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (503, 1, 'reassign', '0');
INSERT INTO leadflow.lead (lead_id, received_at, channel, rep_id, policy_id)
VALUES (608, '2020-01-01 10:00+00', 'esc_reassign', 512, 503),
	   (609, '2020-01-01 10:00+00', 'esc_reassign', 512, 503);
CREATE FUNCTION esc_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.lead_id = 609 AND NEW.rep_id IS DISTINCT FROM OLD.rep_id THEN
		RAISE EXCEPTION 'lead 609 is frozen';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER esc_refuse BEFORE UPDATE ON leadflow.lead
	FOR EACH ROW EXECUTE FUNCTION esc_refuse();
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, rep_id <> 512 AS moved FROM leadflow.lead
WHERE lead_id IN (608, 609) ORDER BY lead_id;
SELECT lead_id, step, outcome FROM leadflow.escalation
WHERE lead_id IN (608, 609) ORDER BY lead_id;
SELECT count(*) AS waits FROM leadflow.escalation_wait
WHERE lead_id IN (608, 609);
SELECT next_at > now() AS later FROM leadflow.escalation_queue
WHERE lead_id = 609;
SELECT status, rows_touched, message FROM leadflow.job_run
ORDER BY run_id DESC LIMIT 1;
-- Once the trigger is gone, 609 moves at its next try.
DROP TRIGGER esc_refuse ON leadflow.lead;
DROP FUNCTION esc_refuse();
UPDATE leadflow.escalation_queue SET next_at = now() WHERE lead_id = 609;
SELECT leadflow.run_escalations() AS fired;
SELECT lead_id, step, outcome, rep_id FROM leadflow.escalation
WHERE lead_id IN (608, 609) ORDER BY lead_id;

-- The record of waits is history that pg_dump keeps with the ledger.
SELECT c::regclass AS dumped
FROM pg_extension e, unnest(e.extconfig) c
WHERE e.extname = 'leadflow'
  AND c::regclass::text IN ('leadflow.escalation', 'leadflow.escalation_wait')
ORDER BY c::regclass::text;

-- Deleting a lead deletes its steps, its waits and its place in the
-- queue.
DELETE FROM leadflow.touch WHERE lead_id BETWEEN 601 AND 609;
DELETE FROM leadflow.lead WHERE lead_id BETWEEN 601 AND 609;
SELECT (SELECT count(*) FROM leadflow.escalation) AS steps,
	   (SELECT count(*) FROM leadflow.escalation_wait) AS waits,
	   (SELECT count(*) FROM leadflow.escalation_queue) AS queued;

-- A new lead is logged for the rollups and queued by its row trigger in
-- C, as rebuild_escalation_queue() would queue it: policy 521 has a
-- warning at an uneven share (0.333 of 37 min 13.3 s: 743.6889 s) and no
-- ladder, 522 neither warning nor ladder.  630-635 cover a warning, a
-- pause after it, a pause before it, a closed lead, an answered import,
-- no policy; 636 a policy without warning or ladder.
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel,
	calendar_id, allowance, warn_share) VALUES
	(521, 'esc uneven', 1, 'esc_uneven', 501, '37 min 13.3 s', 0.333),
	(522, 'esc quiet', 1, 'esc_quiet', 501, '1 hour', NULL);
CREATE TEMP TABLE delta_before AS SELECT * FROM leadflow.rollup_delta;
INSERT INTO leadflow.lead (lead_id, received_at, channel, rep_id, policy_id,
	paused_until, stage, close_reason, first_response_at) VALUES
	(630, '2024-06-03 10:00+00', 'esc_uneven', 512, 521, NULL, 'new', NULL,
	 NULL),
	(631, '2024-06-03 10:00+00', 'esc_uneven', 512, 521,
	 '2024-06-03 10:20+00', 'new', NULL, NULL),
	(632, '2024-06-03 10:00+00', 'esc_uneven', 512, 521,
	 '2024-06-03 10:05+00', 'new', NULL, NULL),
	(633, '2024-06-03 10:00+00', 'esc_uneven', 512, 521, NULL, 'lost',
	 'price', NULL),
	(634, '2024-06-03 10:00+00', 'esc_uneven', 512, 521, NULL, 'new', NULL,
	 '2024-06-03 10:01+00'),
	(635, '2024-06-03 10:00+00', 'esc_none', 512, NULL, NULL, 'new', NULL,
	 NULL),
	(636, '2024-06-03 10:00+00', 'esc_quiet', 512, 522, NULL, 'new', NULL,
	 NULL);
SELECT l.lead_id, q.next_at, q.next_at - l.sla_started_at AS after_start
FROM leadflow.lead l LEFT JOIN leadflow.escalation_queue q USING (lead_id)
WHERE l.lead_id BETWEEN 630 AND 636 ORDER BY l.lead_id;
-- Exactly what the queue's SQL gives.
SELECT count(*) AS differences FROM leadflow.lead l
JOIN leadflow.sla_policy p USING (policy_id)
JOIN leadflow.escalation_queue q USING (lead_id)
WHERE l.lead_id BETWEEN 630 AND 636
  AND q.next_at IS DISTINCT FROM leadflow.escalation_lower_bound(
	l.sla_started_at, l.sla_due_at, l.paused_until, p.allowance,
	p.warn_share);
-- One change-log row per new lead, with the lead's figures.
SELECT count(*) AS differences FROM (
	(SELECT * FROM leadflow.rollup_delta EXCEPT ALL
	 SELECT * FROM delta_before)
	EXCEPT ALL
	SELECT 1::smallint, received_at, campaign_id, rep_id, channel,
		duplicate_of, first_response_at, reached_at, potential_at, hot_at,
		won_at, stage, close_reason, sla_due_at, sla_met,
		response_business_s, response_wall_s, attempts_before_reach,
		outbound_touches, score, assigned_at, attempting_at, closed_at
	FROM leadflow.lead WHERE lead_id BETWEEN 630 AND 636) d;
SELECT (SELECT count(*) FROM leadflow.rollup_delta) -
	(SELECT count(*) FROM delta_before) AS logged;

-- A ladder added to 522 puts its leads in the policy cache's view of it
-- at once: the next lead is queued.
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (522, 1, 'remind_rep', '0');
INSERT INTO leadflow.lead (lead_id, received_at, channel, rep_id, policy_id)
VALUES (638, '2024-06-03 10:00+00', 'esc_quiet', 512, 522);
SELECT lead_id, next_at = '2024-06-03 11:00+00' AS at_due
FROM leadflow.escalation_queue WHERE lead_id = 638;

-- A queue row left behind by a lead deleted with the triggers off (a
-- restore) is replaced when a lead with that id comes again.
SET session_replication_role = replica;
DELETE FROM leadflow.lead WHERE lead_id = 630;
SET session_replication_role = origin;
SELECT count(*) AS left_behind FROM leadflow.escalation_queue
WHERE lead_id = 630;
INSERT INTO leadflow.lead (lead_id, received_at, channel, rep_id, policy_id)
VALUES (630, '2024-06-04 10:00+00', 'esc_uneven', 512, 521);
SELECT lead_id, next_at FROM leadflow.escalation_queue WHERE lead_id = 630;

DELETE FROM leadflow.lead WHERE lead_id BETWEEN 630 AND 638;
DELETE FROM leadflow.escalation_step WHERE policy_id = 522;
DELETE FROM leadflow.sla_policy WHERE policy_id IN (521, 522);
SELECT (SELECT count(*) FROM leadflow.escalation_queue) AS queued;
