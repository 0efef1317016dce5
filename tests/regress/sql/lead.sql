-- tests/regress/sql/lead.sql: the lead triggers: contacts, campaigns,
-- duplicates, SLA due times, assignment, stages, flags and events.
SET timezone = 'UTC';

-- A Ho Chi Minh City calendar with a lunch break, and a 2-hour SLA.
INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (101, 'hcm office', 'Asia/Ho_Chi_Minh');
INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
SELECT 101, d, r.opens, r.closes
FROM generate_series(1, 5) d,
	 (VALUES ('08:00'::time, '12:00'::time), ('13:00', '17:30')) r(opens, closes);
INSERT INTO leadflow.calendar_holiday VALUES (101, '2026-03-04', 'test holiday');
INSERT INTO leadflow.team (team_id, name, calendar_id) VALUES (1, 'north', 101);
INSERT INTO leadflow.rep (rep_id, name, team_id) VALUES (1, 'An', 1), (2, 'Binh', 1);
INSERT INTO leadflow.campaign (campaign_id, name, channel)
VALUES (7, 'spring webinar', 'paid_search');
INSERT INTO leadflow.sla_policy (policy_id, name, calendar_id, allowance)
VALUES (1, 'default', 101, '2 hours');
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel, calendar_id, allowance)
VALUES (2, 'referrals fast', 10, 'referral', 101, '30 minutes');

-- Monday 2026-03-02 11:00 local (04:00 UTC).  Two business hours: 11:00-12:00,
-- lunch, 13:00-14:00, so due is 14:00 local = 07:00 UTC.
INSERT INTO leadflow.lead (lead_id, received_at, campaign_name, contact_name,
	phone_raw, email_raw, rep_id)
VALUES (101, '2026-03-02 04:00+00', 'spring webinar', 'Chi',
	'0912 345 678', '  Chi.Nguyen+ads@GMAIL.com ', 1);
SELECT campaign_id, channel, phone, phone_valid, phone_type, email,
	email_valid, email_key, policy_id, sla_started_at, sla_due_at,
	assigned_at, stage, flags
FROM leadflow.lead WHERE lead_id = 101;

-- A referral gets the faster, higher-priority policy: 30 business minutes
-- from Tuesday 17:15 local are 17:15-17:30 and 08:00-08:15 on Thursday,
-- because Wednesday 2026-03-04 is a holiday.
INSERT INTO leadflow.lead (lead_id, received_at, channel, phone_raw)
VALUES (102, '2026-03-03 10:15+00', 'referral', '+84 90 123 4567');
SELECT policy_id, sla_due_at, flags FROM leadflow.lead WHERE lead_id = 102;

-- Bad input is stored and flagged, never rejected or altered.
INSERT INTO leadflow.lead (lead_id, received_at, campaign_name, phone_raw,
	email_raw)
VALUES (103, now() + interval '1 day', 'no such campaign', 'call me maybe',
	'a..b@example.com');
SELECT campaign_id, campaign_name, phone_raw, phone, phone_valid, email,
	email_valid, email_key, flags
FROM leadflow.lead WHERE lead_id = 103;

-- Duplicates: the same mobile written the old way, a week later, links to
-- lead 1 and its SLA clock runs from lead 1's arrival.
INSERT INTO leadflow.lead (lead_id, received_at, phone_raw)
VALUES (104, '2026-03-09 04:00+00', '+84 912-345-678');
SELECT duplicate_of, sla_started_at, sla_due_at, flags
FROM leadflow.lead WHERE lead_id = 104;

-- The same gmail account with other dots and tags is the same contact;
-- the root is lead 1 even though lead 4 matched too.
INSERT INTO leadflow.lead (lead_id, received_at, email_raw)
VALUES (105, '2026-03-10 04:00+00', 'chinguyen+other@googlemail.com');
SELECT duplicate_of, email_key FROM leadflow.lead WHERE lead_id = 105;

-- Outside the 90-day window there is no duplicate.
INSERT INTO leadflow.lead (lead_id, received_at, phone_raw)
VALUES (106, '2026-07-01 04:00+00', '0912345678');
SELECT duplicate_of, flags FROM leadflow.lead WHERE lead_id = 106;

-- A shorter window set by the session is honoured.
SET leadflow.duplicate_window = '1d';
INSERT INTO leadflow.lead (lead_id, received_at, phone_raw)
VALUES (107, '2026-07-05 04:00+00', '0912345678');
SELECT duplicate_of FROM leadflow.lead WHERE lead_id = 107;
RESET leadflow.duplicate_window;

-- A corrected phone is normalised again and its flag cleared.
UPDATE leadflow.lead SET phone_raw = '0987 654 321' WHERE lead_id = 103;
SELECT phone, phone_valid, flags FROM leadflow.lead WHERE lead_id = 103;

-- Assignment: a new rep is assigned now; system delay can be measured.
BEGIN;
UPDATE leadflow.lead SET rep_id = 2 WHERE lead_id = 102;
SELECT rep_id, assigned_at = now() AS assigned_now,
	'no_rep' = ANY (flags) AS still_flagged
FROM leadflow.lead WHERE lead_id = 102;
COMMIT;

-- Stages: the time a lead first entered each stage is kept.
BEGIN;
UPDATE leadflow.lead SET stage = 'potential' WHERE lead_id = 101;
SELECT potential_at = now() AS potential_now FROM leadflow.lead WHERE lead_id = 101;
COMMIT;
UPDATE leadflow.lead SET stage = 'hot' WHERE lead_id = 101;
-- Back to potential: potential_at keeps the first entry, from before hot.
UPDATE leadflow.lead SET stage = 'potential' WHERE lead_id = 101;
SELECT stage, potential_at < hot_at AS first_entry_kept
FROM leadflow.lead WHERE lead_id = 101;

-- A closed lead keeps the score it closed with.
UPDATE leadflow.lead SET stage = 'lost', close_reason = 'price' WHERE lead_id = 106;
SELECT score AS closed_score FROM leadflow.lead WHERE lead_id = 106 \gset
UPDATE leadflow.lead SET phone_raw = 'garbage', attributes = '{"budget": 1}'
WHERE lead_id = 106;
SELECT score = :closed_score AS score_kept, phone_valid, lost_at IS NOT NULL AS lost_at_set
FROM leadflow.lead WHERE lead_id = 106;

-- A close reason on an open lead, or an unrecognized stage, is refused.
-- (Terse: the failing row's detail holds times of this run.)
\set VERBOSITY terse
UPDATE leadflow.lead SET close_reason = 'spam' WHERE lead_id = 101;
UPDATE leadflow.lead SET stage = 'maybe' WHERE lead_id = 101;
\set VERBOSITY default

-- The event log tells the lead's story and cannot be rewritten.
SELECT kind, from_value, to_value, rep_id
FROM leadflow.lead_event WHERE lead_id = 101 ORDER BY event_id;
UPDATE leadflow.lead_event SET kind = 'stage' WHERE lead_id = 101;

-- A new campaign is seen by the next statement (cache invalidation).
INSERT INTO leadflow.campaign (campaign_id, name, channel)
VALUES (8, 'summer fair', 'event');
INSERT INTO leadflow.lead (lead_id, received_at, campaign_name, phone_raw)
VALUES (108, '2026-03-02 04:00+00', 'summer fair', '0281 234 5678');
SELECT campaign_id, channel, flags FROM leadflow.lead WHERE lead_id = 108;

-- A policy switched off is no longer picked.
UPDATE leadflow.sla_policy SET active = false WHERE policy_id = 2;
INSERT INTO leadflow.lead (lead_id, received_at, channel)
VALUES (109, '2026-03-02 04:00+00', 'referral');
SELECT policy_id FROM leadflow.lead WHERE lead_id = 109;

-- A changed arrival moves the SLA clock and the latency with it, even
-- after the first response.  Lead 110 arrives Monday 11:00 local, is
-- called at 14:30 (3.5 h of wall time, 2.5 business hours, due 14:00:
-- breached); moved to 14:00, it is due 16:00 and was answered in 30 min.
INSERT INTO leadflow.lead (lead_id, received_at, phone_raw)
VALUES (110, '2026-03-02 04:00+00', '0912000110');
INSERT INTO leadflow.touch (lead_id, kind, outcome, touched_at)
VALUES (110, 'call', 'connected', '2026-03-02 07:30+00');
SELECT response_wall_s, response_business_s, sla_met FROM leadflow.lead WHERE lead_id = 110;
UPDATE leadflow.lead SET received_at = '2026-03-02 07:00+00' WHERE lead_id = 110;
SELECT sla_started_at, sla_due_at, response_wall_s, response_business_s, sla_met
FROM leadflow.lead WHERE lead_id = 110;

-- A lead that now arrives later than its own duplicate becomes a
-- duplicate of it, never a duplicate of itself.
INSERT INTO leadflow.lead (lead_id, received_at, email_raw)
VALUES (111, '2026-05-01 03:00+00', 'root@example.com'),
	   (112, '2026-05-01 04:00+00', 'root@example.com');
UPDATE leadflow.lead SET received_at = '2026-05-01 05:00+00' WHERE lead_id = 111;
SELECT lead_id, duplicate_of FROM leadflow.lead WHERE lead_id = 111;

-- A new campaign name is looked up again.
UPDATE leadflow.lead SET campaign_name = 'summer fair' WHERE lead_id = 101;
SELECT campaign_id, campaign_name FROM leadflow.lead WHERE lead_id = 101;

-- A closed lead moved to another channel moves its close count.
UPDATE leadflow.lead SET stage = 'won' WHERE lead_id = 111;
UPDATE leadflow.lead SET channel = 'moved_channel' WHERE lead_id = 111;
SELECT dimension, key, closed, won FROM leadflow.close_stats
WHERE dimension = 'channel' AND key = 'moved_channel';

-- A lead whose policy has since been switched off keeps its calendar for
-- business latency (policy 2 was switched off above; lead 102 has it).
INSERT INTO leadflow.touch (lead_id, kind, touched_at)
VALUES (102, 'call', '2026-03-05 01:00+00');
SELECT policy_id, response_business_s FROM leadflow.lead WHERE lead_id = 102;

-- A policy on a calendar without working hours stores the lead without a
-- due time, flagged, instead of refusing it.
INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (102, 'never open', 'UTC');
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel, calendar_id, allowance)
VALUES (3, 'closed desk', 1, 'closed_desk', 102, '1 hour');
INSERT INTO leadflow.lead (lead_id, received_at, channel)
VALUES (113, '2026-03-02 04:00+00', 'closed_desk');
SELECT policy_id, sla_due_at, flags FROM leadflow.lead WHERE lead_id = 113;

-- Campaign names the look-up cannot hold are refused when written.
\set VERBOSITY terse
INSERT INTO leadflow.campaign (name) VALUES (repeat('x', 200));
\set VERBOSITY default

-- Deleting a closed lead takes it out of the close counts.
SELECT closed FROM leadflow.close_stats WHERE dimension = 'all' \gset before_
DELETE FROM leadflow.lead WHERE lead_id = 106;
SELECT closed = :before_closed - 1 AS close_uncounted
FROM leadflow.close_stats WHERE dimension = 'all';

DELETE FROM leadflow.lead WHERE lead_id BETWEEN 101 AND 113;
