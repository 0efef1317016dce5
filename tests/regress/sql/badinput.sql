-- tests/regress/sql/badinput.sql: input that must be stored and flagged,
-- and configuration that must be refused, without ever crashing.
SET timezone = 'UTC';

INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (301, 'bad input office', 'Europe/Berlin');
INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
SELECT 301, d, '09:00', '17:00' FROM generate_series(1, 5) d;
INSERT INTO leadflow.sla_policy (policy_id, name, priority, channel, calendar_id, allowance)
VALUES (301, 'bad input policy', 1, 'bad_input', 301, '4 hours');

-- Nothing but defaults: stored, with every flag that applies.
INSERT INTO leadflow.lead (lead_id) VALUES (301);
SELECT phone, email, campaign_id, stage, score BETWEEN 0 AND 100 AS scored,
	flags
FROM leadflow.lead WHERE lead_id = 301;

-- NULLs and empty strings everywhere.
INSERT INTO leadflow.lead (lead_id, channel, campaign_name, contact_name,
	phone_raw, email_raw, attributes)
VALUES (302, NULL, NULL, '', '', '   ', '{}');
SELECT phone_raw, phone, phone_valid, email_raw, email, email_valid, flags
FROM leadflow.lead WHERE lead_id = 302;

-- 10 kB strings in every text column.
INSERT INTO leadflow.lead (lead_id, channel, campaign_name, contact_name,
	phone_raw, email_raw, attributes)
SELECT 303, c, c, c, repeat('9', 10240), repeat('x', 10000) || '@example.com',
	jsonb_build_object('note', c)
FROM (SELECT repeat('z', 10240) AS c) s;
SELECT length(phone_raw), phone, phone_valid, length(email), email_valid,
	flags
FROM leadflow.lead WHERE lead_id = 303;

-- Text that is not what it claims: mojibake, control characters, emoji.
INSERT INTO leadflow.lead (lead_id, phone_raw, email_raw, contact_name)
VALUES (304, E'\u00c3\u00a9\u00e2\u0080\u00993', E'an\u00a0@\u00a0example.com',
	E'Nguy\u00e1\u00bb\u0085n \U0001F600');
SELECT phone, phone_valid, email, email_valid, flags
FROM leadflow.lead WHERE lead_id = 304;

-- Years 1 and 9999, with an SLA policy that computes a due time.
INSERT INTO leadflow.lead (lead_id, received_at, channel, phone_raw)
VALUES (305, '0001-01-01 10:00+00', 'bad_input', '0912000305'),
	   (306, '9999-12-30 10:00+00', 'bad_input', '0912000306');
SELECT lead_id, received_at, sla_due_at, flags
FROM leadflow.lead WHERE lead_id IN (305, 306) ORDER BY lead_id;

-- Attributes that are not an object still score.
INSERT INTO leadflow.lead (lead_id, attributes)
VALUES (307, '[1, 2, 3]'), (308, '"just a string"'), (309, 'null');
SELECT lead_id, score BETWEEN 0 AND 100 AS scored
FROM leadflow.lead WHERE lead_id BETWEEN 307 AND 309 ORDER BY lead_id;

-- Bad configuration is refused with a clear message.  (Terse: the failing
-- row's detail holds generated ids.)
\set VERBOSITY terse
INSERT INTO leadflow.sla_policy (name, calendar_id, allowance)
VALUES ('negative', 301, '-1 hour');
INSERT INTO leadflow.sla_policy (name, calendar_id, allowance)
VALUES ('months', 301, '1 month');
INSERT INTO leadflow.sla_policy (name, calendar_id, allowance)
VALUES ('no calendar', 999, '1 hour');
INSERT INTO leadflow.rep (name, open_lead_cap) VALUES ('greedy', -1);
INSERT INTO leadflow.campaign_spend (campaign_id, spent_on, amount)
VALUES (999, '2026-01-01', 10);
INSERT INTO leadflow.campaign (name, starts_on, ends_on)
VALUES ('backwards', '2026-02-01', '2026-01-01');
\set VERBOSITY default

DELETE FROM leadflow.lead WHERE lead_id BETWEEN 301 AND 309;
