-- tests/bench/worker_setup.sql: the data the worker benchmarks share, made
-- once per server (psql variable "leads", e.g. -v leads=5000000).
--
-- Leads arrive over two years, 20 campaigns, 100 reps in 10 teams, five
-- channels.  They are loaded with triggers off (session_replication_role
-- = replica) and their derived columns computed here, since the figures
-- measured are the worker's, not the write-time triggers'.  Mix: 70% were
-- answered (a third of those late), 20% are closed, 10% were never
-- answered and their ladder has run out long ago (they stay in the
-- partial index lead_unanswered_due_idx, and each has its last step in
-- the ledger).  Every other lead has one touch.  The escalation queue and
-- the rollups are then built in full, as the triggers and a first refresh
-- would have left them.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadflow;

SELECT count(*) > 0 AS loaded FROM leadflow.lead \gset
\if :loaded
\echo worker_setup: leads already loaded
\quit
\endif

INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (1, 'around the clock', 'UTC');
INSERT INTO leadflow.calendar_hours
SELECT 1, d, '00:00', '24:00' FROM generate_series(1, 7) d;
INSERT INTO leadflow.team (team_id, name, calendar_id)
SELECT t, 'team ' || t, 1 FROM generate_series(1, 10) t;
INSERT INTO leadflow.rep (rep_id, name, team_id, manager_id)
SELECT r, 'rep ' || r, CASE WHEN r > 10 THEN (r - 1) % 10 + 1 END,
	CASE WHEN r > 10 THEN (r - 1) % 10 + 1 END
FROM generate_series(1, 100) r;
INSERT INTO leadflow.campaign (campaign_id, name, channel)
SELECT c, 'campaign ' || c,
	(ARRAY['paid_search', 'social', 'referral', 'event', 'website'])[c % 5 + 1]
FROM generate_series(1, 20) c;
INSERT INTO leadflow.sla_policy (policy_id, name, calendar_id, allowance,
	warn_share) VALUES (1, 'standard', 1, '15 minutes', NULL);
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (1, 1, 'remind_rep', '0'), (1, 2, 'alert_manager', '30 minutes'),
	(1, 3, 'reassign', '1 hour');

BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO leadflow.lead (lead_id, received_at, channel, campaign_id,
	rep_id, assigned_at, policy_id, sla_started_at, sla_due_at, stage,
	close_reason, first_response_at, response_wall_s, response_business_s,
	sla_met, reached_at, attempts_before_reach, outbound_touches,
	last_touch_at, score, won_at, lost_at, disqualified_at, closed_at)
SELECT i, r.at, c.channel, c.campaign_id, 11 + i % 90, r.at, 1, r.at,
	r.at + interval '15 minutes', k.stage, k.reason,
	CASE WHEN k.answered THEN r.at + k.latency END,
	CASE WHEN k.answered THEN extract(epoch FROM k.latency) END,
	CASE WHEN k.answered THEN extract(epoch FROM k.latency) END,
	CASE WHEN k.answered THEN k.latency <= interval '15 minutes' END,
	CASE WHEN k.answered AND i % 3 = 0 THEN r.at + k.latency END,
	CASE WHEN k.answered AND i % 3 = 0 THEN 1 + i % 4 END,
	CASE WHEN k.answered THEN 1 + i % 4 ELSE 0 END,
	CASE WHEN k.answered THEN r.at + k.latency END,
	(i * 37) % 101,
	CASE WHEN k.stage = 'won' THEN r.at + interval '3 days' END,
	CASE WHEN k.stage = 'lost' THEN r.at + interval '5 days' END,
	CASE WHEN k.stage = 'disqualified' THEN r.at + interval '1 day' END,
	CASE k.stage WHEN 'won' THEN r.at + interval '3 days'
		WHEN 'lost' THEN r.at + interval '5 days'
		WHEN 'disqualified' THEN r.at + interval '1 day' END
FROM generate_series(1, :leads) i
CROSS JOIN LATERAL (SELECT timestamptz '2024-01-01 00:00+00' +
	(i::float8 / :leads) * interval '730 days' AS at) r
CROSS JOIN LATERAL (SELECT 1 + i % 20 AS campaign_id,
	(ARRAY['paid_search', 'social', 'referral', 'event', 'website'])
		[(1 + i % 20) % 5 + 1] AS channel) c
CROSS JOIN LATERAL (SELECT
	i % 10 < 7 AS answered,
	CASE WHEN i % 10 < 7 THEN
		CASE i % 3 WHEN 0 THEN 'reached' WHEN 1 THEN 'attempting'
			 ELSE 'won' END
		 WHEN i % 10 < 9 THEN
		CASE WHEN i % 2 = 0 THEN 'lost' ELSE 'disqualified' END
		 ELSE 'new' END AS stage,
	CASE WHEN i % 10 >= 7 AND i % 10 < 9 THEN
		CASE WHEN i % 2 = 0 THEN 'price' ELSE 'wrong_target' END
	END AS reason,
	make_interval(mins => (i % 45)) AS latency) k;

-- The stale unanswered leads: their last step is in the ledger.
INSERT INTO leadflow.escalation (lead_id, step, action, policy_id, due_at,
	fired_at, rep_id)
SELECT lead_id, 3, 'reassign', 1, sla_due_at + interval '1 hour',
	sla_due_at + interval '1 hour', rep_id
FROM leadflow.lead WHERE first_response_at IS NULL AND stage = 'new';

INSERT INTO leadflow.touch (lead_id, rep_id, kind, direction, outcome,
	touched_at)
SELECT lead_id, rep_id, 'call', 'outbound',
	CASE WHEN reached_at IS NOT NULL THEN 'connected' ELSE 'no_answer' END,
	coalesce(first_response_at, received_at + interval '2 hours')
FROM leadflow.lead WHERE lead_id % 2 = 0;
COMMIT;

-- The rollups as a full refresh leaves them.
SELECT leadflow.refresh_metrics(full => true) AS rollup_rows \gset
VACUUM ANALYZE;
