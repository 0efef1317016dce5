-- tests/bench/metrics_setup.sql: the data of the metric view benchmark,
-- made once per server in database leadflow_metrics (psql variable
-- "leads", e.g. -v leads=5000000; three touches per lead).
--
-- Leads arrive evenly over two years (2024 and 2025, UTC), from 20
-- campaigns on five channels, held by 90 reps in 10 teams; each rep
-- works the leads of two campaigns a day (rep 11 + i % 90, campaign
-- 1 + i % 20), so the rollups hold 180 rows a day.  Mix: 5% duplicates;
-- 80% answered within an hour (a quarter of those after the 15-minute
-- SLA), a third of the answered reached, and of those some go to
-- potential, hot and won; 10% closed without a sale, 10% never answered
-- (their ladder fired two steps, so the ledger holds two rows each).
-- Every lead has three touches (the never answered three missed inbound
-- calls).  Loaded with triggers off (session_replication_role =
-- replica), the columns the triggers would fill computed here; then the
-- rollups are built in full, as a first refresh leaves them.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadflow;

SELECT count(*) > 0 AS loaded FROM leadflow.lead \gset
\if :loaded
\echo metrics_setup: leads already loaded
\quit
\endif

INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (1, 'around the clock', 'UTC');
INSERT INTO leadflow.calendar_hours
SELECT 1, d, '00:00', '24:00' FROM generate_series(1, 7) d;
INSERT INTO leadflow.team (team_id, name, calendar_id)
SELECT t, 'team ' || t, 1 FROM generate_series(1, 10) t;
INSERT INTO leadflow.rep (rep_id, name, team_id, manager_id)
SELECT r, 'rep ' || r, (r - 1) % 10 + 1,
	CASE WHEN r > 10 THEN (r - 1) % 10 + 1 END
FROM generate_series(1, 100) r;
INSERT INTO leadflow.campaign (campaign_id, name, channel)
SELECT c, 'campaign ' || c,
	(ARRAY['paid_search', 'social', 'referral', 'event', 'website'])[c % 5 + 1]
FROM generate_series(1, 20) c;
INSERT INTO leadflow.campaign_spend (campaign_id, spent_on, amount)
SELECT c, d::date, 100 + (c * 37 + extract(doy FROM d)::int) % 400
FROM generate_series(1, 20) c,
	generate_series('2024-01-01'::date, '2025-12-31'::date, '1 day') d;
INSERT INTO leadflow.sla_policy (policy_id, name, calendar_id, allowance,
	warn_share) VALUES (1, 'standard', 1, '15 minutes', NULL);
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (1, 1, 'remind_rep', '0'), (1, 2, 'alert_manager', '30 minutes');

BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO leadflow.lead (lead_id, received_at, channel, campaign_id,
	rep_id, assigned_at, policy_id, sla_started_at, sla_due_at,
	duplicate_of, stage, close_reason, first_response_at, response_wall_s,
	response_business_s, sla_met, attempting_at, reached_at, potential_at,
	hot_at, won_at, lost_at, disqualified_at, closed_at,
	attempts_before_reach, outbound_touches, last_touch_at, score)
SELECT i, r.at, c.channel, c.campaign_id, 11 + i % 90,
	r.at + make_interval(secs => i % 7 * 20), 1, r.at,
	r.at + interval '15 minutes',
	CASE WHEN i % 20 = 7 THEN i - 1 END,
	k.stage, k.reason,
	CASE WHEN k.answered THEN r.at + k.latency END,
	CASE WHEN k.answered THEN extract(epoch FROM k.latency) END,
	CASE WHEN k.answered THEN extract(epoch FROM k.latency) END,
	CASE WHEN k.answered THEN k.latency <= interval '15 minutes' END,
	CASE WHEN k.answered THEN r.at + k.latency END,
	CASE WHEN k.reached THEN r.at + k.latency + interval '10 minutes' END,
	CASE WHEN k.rank >= 3 THEN r.at + interval '1 day' END,
	CASE WHEN k.rank >= 4 THEN r.at + interval '2 days' END,
	CASE WHEN k.rank >= 5 THEN r.at + interval '4 days' END,
	CASE WHEN k.stage = 'lost' THEN r.at + interval '5 days' END,
	CASE WHEN k.stage = 'disqualified' THEN r.at + interval '1 day' END,
	CASE k.stage WHEN 'won' THEN r.at + interval '4 days'
		WHEN 'lost' THEN r.at + interval '5 days'
		WHEN 'disqualified' THEN r.at + interval '1 day' END,
	CASE WHEN k.reached THEN 1 + i % 3 END,
	CASE WHEN k.answered OR k.stage IN ('lost', 'disqualified') THEN 3
		 ELSE 0 END,
	r.at + interval '1 day',
	(i * 37) % 101
FROM generate_series(1, :leads) i
CROSS JOIN LATERAL (SELECT timestamptz '2024-01-01 00:00+00' +
	(i::float8 / :leads) * interval '731 days' AS at) r
CROSS JOIN LATERAL (SELECT 1 + i % 20 AS campaign_id,
	(ARRAY['paid_search', 'social', 'referral', 'event', 'website'])
		[(1 + i % 20) % 5 + 1] AS channel) c
CROSS JOIN LATERAL (SELECT
	i % 10 < 8 AS answered,
	i % 10 < 8 AND i % 3 = 0 AS reached,
	make_interval(secs => (i::bigint * 7919) % 3600) AS latency,
	CASE WHEN i % 10 >= 8 THEN 0
		 WHEN i % 3 <> 0 THEN 1
		 WHEN i % 54 = 0 THEN 5
		 WHEN i % 27 = 0 THEN 4
		 WHEN i % 9 = 0 THEN 3 ELSE 2 END AS rank,
	CASE WHEN i % 10 = 8 THEN
		(ARRAY['lost', 'disqualified'])[1 + i / 10 % 2]
		 WHEN i % 10 = 9 THEN 'new'
		 WHEN i % 3 <> 0 THEN 'attempting'
		 WHEN i % 54 = 0 THEN 'won'
		 WHEN i % 27 = 0 THEN 'hot'
		 WHEN i % 9 = 0 THEN 'potential' ELSE 'reached' END AS stage,
	CASE WHEN i % 10 = 8 THEN
		CASE WHEN i / 10 % 2 = 0 THEN
			(ARRAY['price', 'timing', 'lost_to_competitor', 'unresponsive'])
				[1 + i / 20 % 4]
		ELSE (ARRAY['wrong_target', 'invalid_contact', 'no_need', 'spam'])
				[1 + i / 20 % 4] END
	END AS reason) k;

INSERT INTO leadflow.touch (touch_id, lead_id, rep_id, kind, direction,
	outcome, touched_at, duration_s, recording_uri)
SELECT 3 * l.lead_id + t.n, l.lead_id, l.rep_id, 'call',
	CASE WHEN l.first_response_at IS NULL AND l.stage = 'new'
		 THEN 'inbound' ELSE 'outbound' END,
	CASE WHEN l.reached_at IS NOT NULL AND t.n = 1 THEN 'connected'
		 ELSE 'no_answer' END,
	coalesce(l.first_response_at, l.received_at) + t.n * interval '10 minutes',
	CASE WHEN l.reached_at IS NOT NULL AND t.n = 1 THEN 60 + l.lead_id % 600
	END,
	CASE WHEN l.reached_at IS NOT NULL AND t.n = 1
		 THEN 's3://calls/' || l.lead_id END
FROM leadflow.lead l CROSS JOIN generate_series(0, 2) t(n);

INSERT INTO leadflow.escalation (lead_id, step, action, policy_id, due_at,
	fired_at, rep_id, manager_id)
SELECT l.lead_id, s.step, s.action, 1, l.sla_due_at + s.after_due,
	l.sla_due_at + s.after_due + interval '4 seconds', l.rep_id,
	(l.rep_id - 1) % 10 + 1
FROM leadflow.lead l
CROSS JOIN (VALUES (1::smallint, 'remind_rep', interval '0'),
	(2::smallint, 'alert_manager', interval '30 minutes')) s(step, action,
	after_due)
WHERE l.first_response_at IS NULL AND l.stage = 'new';
COMMIT;

SELECT leadflow.refresh_metrics(full => true) AS rollup_rows \gset
VACUUM ANALYZE;
