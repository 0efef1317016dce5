-- tests/regress/sql/touch.sql: the touch triggers: first response,
-- latency in wall and business time, SLA verdict, reach, attempts, stage,
-- out-of-order, corrected and deleted touches.
SET timezone = 'UTC';

INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (201, 'touch office', 'Asia/Ho_Chi_Minh');
INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
SELECT 201, d, r.opens, r.closes
FROM generate_series(1, 5) d,
	 (VALUES ('08:00'::time, '12:00'::time), ('13:00', '17:30')) r(opens, closes);
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel, calendar_id, allowance)
VALUES (201, 'touch policy', 1, 'touch_test', 201, '1 hour');

-- Arrival Monday 2026-03-02 11:30 local (04:30 UTC); due is 30 minutes
-- before lunch plus 30 after: 13:30 local = 06:30 UTC.
INSERT INTO leadflow.lead (lead_id, received_at, channel, phone_raw)
VALUES (201, '2026-03-02 04:30+00', 'touch_test', '0912000201');
SELECT sla_due_at, stage FROM leadflow.lead WHERE lead_id = 201;

-- An unanswered call at 11:50 local is the first response: 1200 s of wall
-- time and of business time; the lead is now being attempted.
INSERT INTO leadflow.touch (touch_id, lead_id, kind, outcome, touched_at)
VALUES (1, 201, 'call', 'no_answer', '2026-03-02 04:50+00');
SELECT first_response_touch_id, response_wall_s, response_business_s,
	sla_met, stage, attempting_at, reached_at, outbound_touches
FROM leadflow.lead WHERE lead_id = 201;

-- A connected call at 13:10 local reaches the lead on the second attempt.
INSERT INTO leadflow.touch (touch_id, lead_id, kind, outcome, touched_at)
VALUES (2, 201, 'call', 'connected', '2026-03-02 06:10+00');
SELECT stage, reached_touch_id, reached_at, attempts_before_reach,
	outbound_touches, last_touch_at
FROM leadflow.lead WHERE lead_id = 201;

-- A touch written late but stamped earlier (11:40) becomes the first
-- response: out-of-order arrival changes nothing but the order.
INSERT INTO leadflow.touch (touch_id, lead_id, kind, outcome, touched_at)
VALUES (3, 201, 'sms', 'sent', '2026-03-02 04:40+00');
SELECT first_response_touch_id, response_wall_s, attempts_before_reach
FROM leadflow.lead WHERE lead_id = 201;

-- Corrected times move the SMS and the unanswered call after lunch: the
-- connected call at 13:10 local is now the first response and reaches the
-- lead on the first attempt; its business latency skips the lunch hour.
UPDATE leadflow.touch SET touched_at = '2026-03-02 06:20+00' WHERE touch_id = 3;
UPDATE leadflow.touch SET touched_at = '2026-03-02 06:20+00' WHERE touch_id = 1;
SELECT first_response_touch_id, response_wall_s, response_business_s,
	sla_met, reached_touch_id, attempts_before_reach
FROM leadflow.lead WHERE lead_id = 201;

-- Deleting the reaching call leaves the lead attempted, not reached.
DELETE FROM leadflow.touch WHERE touch_id = 2;
SELECT stage, reached_touch_id, reached_at, attempts_before_reach,
	outbound_touches
FROM leadflow.lead WHERE lead_id = 201;

-- Deleting every touch brings the lead back to new, with no response.
DELETE FROM leadflow.touch WHERE lead_id = 201;
SELECT stage, first_response_at, response_wall_s, sla_met, attempting_at,
	outbound_touches, last_touch_at
FROM leadflow.lead WHERE lead_id = 201;

-- A late response breaches the SLA (14:00 local, after 13:30 due).
INSERT INTO leadflow.touch (touch_id, lead_id, kind, outcome, touched_at)
VALUES (4, 201, 'email', 'sent', '2026-03-02 07:00+00');
SELECT sla_met, response_business_s FROM leadflow.lead WHERE lead_id = 201;
SELECT kind FROM leadflow.lead_event
WHERE lead_id = 201 AND kind IN ('sla_met', 'sla_breached') ORDER BY event_id;

-- Touches before arrival are kept and flagged; within the 5-minute
-- tolerance one counts as an immediate response, earlier ones do not.
INSERT INTO leadflow.lead (lead_id, received_at, channel, phone_raw)
VALUES (202, '2026-03-02 04:30+00', 'touch_test', '0912000202');
INSERT INTO leadflow.touch (touch_id, lead_id, kind, touched_at)
VALUES (5, 202, 'call', '2026-03-02 04:20+00');
SELECT t.flags, l.first_response_at
FROM leadflow.touch t JOIN leadflow.lead l USING (lead_id) WHERE touch_id = 5;
INSERT INTO leadflow.touch (touch_id, lead_id, kind, touched_at)
VALUES (6, 202, 'call', '2026-03-02 04:27+00');
SELECT t.flags, l.first_response_touch_id, l.response_wall_s, l.sla_met
FROM leadflow.touch t JOIN leadflow.lead l USING (lead_id) WHERE touch_id = 6;

-- What counts is configuration: a DBA's rule makes an SMS no response.
INSERT INTO leadflow.touch_rule VALUES ('sms', 'outbound', '*', false, false);
INSERT INTO leadflow.lead (lead_id, received_at, channel, phone_raw)
VALUES (203, '2026-03-02 04:30+00', 'touch_test', '0912000203');
INSERT INTO leadflow.touch (touch_id, lead_id, kind, outcome, touched_at)
VALUES (7, 203, 'sms', 'sent', '2026-03-02 04:35+00');
SELECT first_response_at, stage, outbound_touches
FROM leadflow.lead WHERE lead_id = 203;
-- ... while a reply to it reaches the lead and responds.
INSERT INTO leadflow.touch (touch_id, lead_id, kind, outcome, touched_at)
VALUES (8, 203, 'sms', 'replied', '2026-03-02 04:45+00');
SELECT first_response_touch_id, reached_touch_id, attempts_before_reach, stage
FROM leadflow.lead WHERE lead_id = 203;
DELETE FROM leadflow.touch_rule;

-- A touch moved to another lead updates both leads.
UPDATE leadflow.touch SET lead_id = 203 WHERE touch_id = 6;
SELECT lead_id, first_response_touch_id, outbound_touches
FROM leadflow.lead WHERE lead_id IN (202, 203) ORDER BY lead_id;

-- A lead past "reached" keeps its stage when touches change.
UPDATE leadflow.lead SET stage = 'hot' WHERE lead_id = 203;
DELETE FROM leadflow.touch WHERE lead_id = 203;
SELECT stage, reached_at IS NOT NULL AS reached_at_kept, first_response_at
FROM leadflow.lead WHERE lead_id = 203;

-- An answered inbound call reaches the lead but is no response by a rep:
-- the first response is the first outbound touch.
INSERT INTO leadflow.lead (lead_id, received_at, channel, phone_raw)
VALUES (204, '2026-03-02 04:30+00', 'touch_test', '0912000204');
INSERT INTO leadflow.touch (lead_id, kind, direction, outcome, touched_at)
VALUES (204, 'call', 'inbound', 'connected', '2026-03-02 04:40+00');
SELECT first_response_at, reached_at, attempts_before_reach, stage
FROM leadflow.lead WHERE lead_id = 204;

-- TRUNCATE of the touches leaves every lead as a recomputation from no
-- touches gives.
BEGIN;
TRUNCATE leadflow.touch;
SELECT stage, first_response_at, reached_at, outbound_touches, last_touch_at
FROM leadflow.lead WHERE lead_id = 204;
ROLLBACK;

-- A touch for a lead that does not exist is refused by the foreign key.
INSERT INTO leadflow.touch (lead_id, kind) VALUES (999999, 'call');
-- So are unrecognized kinds and negative durations.
\set VERBOSITY terse
INSERT INTO leadflow.touch (lead_id, kind) VALUES (201, 'telegram');
INSERT INTO leadflow.touch (lead_id, kind, duration_s) VALUES (201, 'call', -1);
\set VERBOSITY default

-- Deleting a lead deletes its touches and events.
DELETE FROM leadflow.lead WHERE lead_id = 201;
SELECT count(*) FROM leadflow.touch WHERE lead_id = 201;
SELECT count(*) FROM leadflow.lead_event WHERE lead_id = 201;
DELETE FROM leadflow.lead WHERE lead_id BETWEEN 201 AND 204;
