-- tests/regress/sql/score.sql: the lead-quality score v1, score rules and
-- their validation, close statistics, and cache invalidation.
--
-- Every expected score is worked out by hand in the comment above it:
-- base 40; contact +15 phone, +10 e-mail, -30 neither; duplicate -20;
-- channel and campaign 10 * log2(smoothed / overall) rounded, capped at
-- +-20, smoothed = (won + m * overall) / (closed + m), m = 20; rules add
-- their points; clamped to 0..100.

-- "factor=points ..." of an explanation, in order.
CREATE FUNCTION pg_temp.points(e jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(f ->> 'factor' || '=' || (f ->> 'points'), ' '
					  ORDER BY n)
	FROM jsonb_array_elements(e -> 'factors') WITH ORDINALITY AS x (f, n)
$$;

-- Names of the rules that held, in rule_id order.
CREATE FUNCTION pg_temp.rules(e jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(f ->> 'name', ',' ORDER BY n), '-')
	FROM jsonb_array_elements(e -> 'factors') WITH ORDINALITY AS x (f, n)
	WHERE f ->> 'factor' = 'rule'
$$;

-- The score of a lead with both contacts valid, no channel, no campaign,
-- not a duplicate (65 before rules), with the given attributes.
CREATE FUNCTION pg_temp.s(a jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT score || ' ' || pg_temp.rules(explanation)
	FROM leadflow.score_v1(NULL, NULL, true, true, false, a)
$$;

SHOW leadflow.score_smoothing;

--
-- No history and no rules yet.
--

-- 40 - 30 (nothing known, so no valid contact) = 10
SELECT score, explanation FROM leadflow.score_v1(NULL, NULL, NULL, NULL, NULL, NULL);

-- Overall rate 0 (nothing closed): history gives 0 even for known keys.
-- 40 + 15 + 10 = 65
SELECT score, explanation FROM leadflow.score_v1('web', 7, true, true, false, '{}');

SELECT v.label, s.score, s.explanation -> 'total' AS total,
	pg_temp.points(s.explanation)
FROM (VALUES
	-- 40 + 15 = 55
	('phone only', true, NULL::boolean, false),
	-- 40 + 10 = 50
	('e-mail only', NULL, true, false),
	-- both given, both invalid: 40 - 30 = 10
	('both invalid', false, false, false),
	-- phone invalid, e-mail valid: 40 + 10 = 50
	('invalid phone', false, true, false),
	-- 40 + 15 + 10 - 20 = 45
	('duplicate', true, true, true),
	-- 40 - 30 - 20 = -10, clamped to 0
	('worst contact', false, false, true)
) AS v (label, phone, email, dup),
LATERAL leadflow.score_v1(NULL, NULL, v.phone, v.email, v.dup, NULL) AS s;

--
-- History.  Overall: 100 won of 1000 closed = 0.1.
--
-- Start from no closes: earlier tests may have closed leads.
TRUNCATE leadflow.close_stats;
INSERT INTO leadflow.close_stats (dimension, key, closed, won) VALUES
	('all', '', 1000, 100),
	('channel', 'web', 100, 30),
	('channel', 'fair', 400, 40),
	('channel', 'junk', 200, 5),
	('campaign', '3', 40, 0),
	('campaign', '8', 300, 90),
	('campaign', 'not-a-number', 500, 500);

-- web: (30 + 2) / 120 = 0.2667; 10 * log2(2.667) = 14.15 -> +14
-- campaign 3: (0 + 2) / 60 = 0.0333; 10 * log2(0.333) = -15.85 -> -16
-- 40 + 25 + 14 - 16 = 63
SELECT score, explanation FROM leadflow.score_v1('web', 3, true, true, false, '{}');

SELECT v.label, s.score, s.explanation -> 'total' AS total,
	pg_temp.points(s.explanation)
FROM (VALUES
	-- campaign 8: (90 + 2) / 320 = 0.2875; 10 * log2(2.875) = 15.24 -> +15
	-- 40 + 15 + 14 + 15 = 84
	('web, campaign 8, phone', 'web', 8, true, NULL::boolean, false),
	-- junk: (5 + 2) / 220 = 0.0318; 10 * log2(0.318) = -16.52 -> -17
	-- 40 - 30 - 20 - 17 - 16 = -43, clamped to 0
	('junk duplicate', 'junk', 3, false, false, true),
	-- fair: (40 + 2) / 420 = 0.1, the overall rate -> 0
	-- 40 + 10 + 0 + 15 = 65
	('fair, e-mail', 'fair', 8, NULL, true, false),
	-- an unknown channel and campaign read as the overall rate -> 0
	-- 40 + 25 = 65
	('unknown keys', 'no-such', 12345, true, true, false),
	-- 40 + 25 + 14 + 15 = 94
	('best history', 'web', 8, true, true, false)
) AS v (label, channel, campaign, phone, email, dup),
LATERAL leadflow.score_v1(v.channel, v.campaign, v.phone, v.email, v.dup, '{}') AS s;

-- The smoothing setting applies at once.
-- m = 0: web 30 / 100 = 0.3 -> 10 * log2(3) = 15.85 -> +16;
-- campaign 3: 0 / 40 = 0 -> -20.  40 + 25 + 16 - 20 = 61
SET leadflow.score_smoothing = 0;
SELECT score, pg_temp.points(explanation), explanation -> 'smoothing' AS m
FROM leadflow.score_v1('web', 3, true, true, false, '{}');
-- m = 1000: web (30 + 100) / 1100 = 0.1182 -> 10 * log2(1.182) = 2.41 -> +2;
-- campaign 3: (0 + 100) / 1040 = 0.0962 -> -0.57 -> -1.  40 + 25 + 2 - 1 = 66
SET leadflow.score_smoothing = 1000;
SELECT score, pg_temp.points(explanation), explanation -> 'smoothing' AS m
FROM leadflow.score_v1('web', 3, true, true, false, '{}');
-- m = 2.5 is shown as it is
SET leadflow.score_smoothing = 2.5;
SELECT explanation -> 'smoothing' AS m
FROM leadflow.score_v1('web', 3, true, true, false, '{}');
SET leadflow.score_smoothing = -1;
RESET leadflow.score_smoothing;

--
-- Rules: every operator.  The base for pg_temp.s is 65.
--
INSERT INTO leadflow.score_rule (name, attribute, op, value, points) VALUES
	('big', 'size', '>=', '50', 5),
	('tiny', 'size', '<', '10', -5),
	('de', 'country', '=', '"DE"', 3),
	('not-us', 'country', '<>', '"US"', 2),
	('industry', 'industry', 'in', '["saas", "fintech", 7]', 4),
	('budget', 'budget', 'present', NULL, 6),
	('no-referrer', 'referrer', 'absent', NULL, -1),
	('early', 'since', '<=', '"2024-06-30"', 1),
	('rated', 'rating', '>', '4.5', 2),
	('vip', 'vip', '=', 'true', 10),
	('nothing-listed', 'industry', 'in', '[]', 50);
INSERT INTO leadflow.score_rule (name, attribute, op, value, points, active)
VALUES ('inactive', 'size', 'present', NULL, 50, false);

-- only "absent" holds with no attributes: 65 - 1 = 64
SELECT pg_temp.s('{}');

-- big (50 >= 50), de, not-us, industry, budget (0 is present), early
-- ("2024-06-30" <= itself), rated (4.6 > 4.5), vip:
-- 65 + 5 + 3 + 2 + 4 + 6 + 1 + 2 + 10 = 98
SELECT pg_temp.s('{"size": 50, "country": "DE", "industry": "saas",
	"budget": 0, "referrer": "x", "since": "2024-06-30", "rating": 4.6,
	"vip": true}');

-- tiny (the string "9" spells a number < 10), industry (7 is listed),
-- no-referrer; not budget (JSON null is absent), not early ("2025..." is
-- later), not rated ("4.5" is not > 4.5), not vip (the string "true" is
-- not the boolean):  65 - 5 + 4 - 1 = 63
SELECT pg_temp.s('{"size": "9", "country": "US", "industry": 7,
	"budget": null, "since": "2025-01-01", "rating": "4.5", "vip": "true"}');

-- big (50.0 = 50 as numbers), not-us ("de" is not "DE", and not "US"),
-- no-referrer, rated (4.50001 > 4.5); not industry ("SaaS"), not vip:
-- 65 + 5 + 2 - 1 + 2 = 73
SELECT pg_temp.s('{"size": 50.0, "country": "de", "industry": "SaaS",
	"rating": 4.50001, "vip": false}');

-- Values of other kinds: an array size orders with nothing, an object
-- country differs from "US" (not-us holds), an array industry is not
-- listed, an empty object budget is present, a number since does not
-- order with a string, true does not order with 4.5, 1 is not true:
-- 65 + 2 + 6 - 1 = 72
SELECT pg_temp.s('{"size": [60], "country": {"c": "DE"}, "industry": ["saas"],
	"budget": {}, "since": 20240101, "rating": true, "vip": 1}');

-- Strings that spell numbers exactly compare as numbers, others do not.
SELECT v.a, pg_temp.s(v.a::jsonb)
FROM (VALUES
	-- "1e2" = 100 >= 50: 65 + 5 - 1 = 69
	('{"size": "1e2"}'),
	-- "-3" < 10: 65 - 5 - 1 = 59
	('{"size": "-3"}'),
	-- not numbers: 65 - 1 = 64 each
	('{"size": " 60"}'),
	('{"size": "0x40"}'),
	('{"size": "NaN"}'),
	('{"size": "060"}'),
	('{"size": "Infinity"}'),
	-- huge and tiny numbers compare fine: 1e400 >= 50 (69); -1e-400 < 10 (59)
	('{"size": 1e400}'),
	('{"size": -1e-400}'),
	-- strings order byte by byte: "2024-06-30" <= "2024-06-30" but
	-- "2024-06-30T00:00" is longer, so later: 64 + 1 = 65, then 64
	('{"since": "2024-06-29"}'),
	('{"since": "2024-06-30T00:00"}')
) AS v (a);

-- Attributes that are not an object have no keys: only no-referrer, 64.
SELECT v.label, pg_temp.s(v.a)
FROM (VALUES
	('array', '[{"size": 50, "vip": true}]'::jsonb),
	('string', '"size"'),
	('number', '42'),
	('json null', 'null'),
	('sql null', NULL),
	('empty array', '[]')
) AS v (label, a);

-- 10 kB strings: a 10 000-digit "size" is too long to read as a number
-- (64), a 10 kB country differs from "US" (+2), a 10 kB key is just a key:
-- 65 + 2 - 1 = 66
SELECT pg_temp.s(jsonb_build_object(
	repeat('k', 10000), repeat('v', 10000),
	'size', repeat('9', 10000),
	'country', repeat('D', 10000),
	'industry', repeat('saas', 2500)));

-- 200 levels of nesting under "size" and "budget": budget is present,
-- size orders with nothing: 65 + 6 - 1 = 70
SELECT pg_temp.s(('{"size": ' || repeat('[', 200) || repeat(']', 200) ||
	', "budget": ' || repeat('{"a": ', 200) || '1' || repeat('}', 200) ||
	'}')::jsonb);

-- Rule points add up past 100: best history 94 + 5 (big) + 10 (vip)
-- - 1 (no-referrer) = 108 -> 100.
SELECT score, explanation -> 'total' AS total, pg_temp.rules(explanation)
FROM leadflow.score_v1('web', 8, true, true, false, '{"size": 51, "vip": true}');

--
-- Rules that do not fit their operator are refused.
--
-- Tries to add a rule; returns the SQLSTATE, message and detail of the
-- refusal (the detail of a CHECK failure, which shows the row, left out).
CREATE FUNCTION pg_temp.try_rule(n text, o text, v jsonb, p integer)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
BEGIN
	INSERT INTO leadflow.score_rule (name, attribute, op, value, points)
	VALUES (n, 'a', o, v, p);
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL;
	IF det LIKE 'Failing row%' THEN
		det := '';
	END IF;
	RETURN st || ' ' || msg || coalesce(' / ' || nullif(det, ''), '');
END
$$;

SELECT v.n AS rule, pg_temp.try_rule(v.n, v.o, v.v::jsonb, v.p) AS outcome
FROM (VALUES
	('present-1', 'present', '1', 1),
	('absent-null', 'absent', 'null', 1),
	('eq-none', '=', NULL, 1),
	('eq-null', '=', 'null', 1),
	('eq-array', '=', '[1]', 1),
	('ne-object', '<>', '{"x": 1}', 1),
	('lt-none', '<', NULL, 1),
	('lt-bool', '<', 'true', 1),
	('ge-array', '>=', '[1, 2]', 1),
	('in-none', 'in', NULL, 1),
	('in-scalar', 'in', '"saas"', 1),
	('in-nested', 'in', '[1, [2]]', 1),
	('in-null', 'in', '[null, 1]', 1),
	('like', 'like', '"x%"', 1),
	('no-op', NULL, NULL, 1),
	('many-points', 'present', NULL, 101)
) AS v (n, o, v, p);

\set VERBOSITY terse
UPDATE leadflow.score_rule SET op = '<', value = 'false' WHERE name = 'de';
UPDATE leadflow.score_rule SET value = NULL WHERE name = 'big';
\set VERBOSITY default
-- One in full, with its SQLSTATE (check_violation).
INSERT INTO leadflow.score_rule (name, attribute, op, value, points)
VALUES ('lt-bool', 'a', '<', 'true', 1);
\echo :LAST_ERROR_SQLSTATE
-- None of them got in, and the good rules are unchanged.
SELECT count(*) AS rules, sum(points) AS points FROM leadflow.score_rule;

--
-- Cache invalidation within this session.
--
-- 65 + 2 (not-us) - 1 = 66
SELECT pg_temp.s('{"country": "FR"}');
INSERT INTO leadflow.score_rule (name, attribute, op, value, points)
VALUES ('fr', 'country', '=', '"FR"', 7);
-- the next statement sees the new rule: 66 + 7 = 73
SELECT pg_temp.s('{"country": "FR"}');
UPDATE leadflow.score_rule SET points = -7 WHERE name = 'fr';
-- 66 - 7 = 59
SELECT pg_temp.s('{"country": "FR"}');
UPDATE leadflow.score_rule SET active = false WHERE name = 'fr';
-- 66
SELECT pg_temp.s('{"country": "FR"}');
DELETE FROM leadflow.score_rule WHERE name = 'fr';

-- A rule added in a transaction that rolls back is gone afterwards.
BEGIN;
INSERT INTO leadflow.score_rule (name, attribute, op, value, points)
VALUES ('fr', 'country', '=', '"FR"', 7);
-- 73
SELECT pg_temp.s('{"country": "FR"}');
ROLLBACK;
-- 66
SELECT pg_temp.s('{"country": "FR"}');

-- From here on the rule no-referrer (-1) holds for '{}' attributes.
-- Close statistics changed directly: campaign 3 now 40 won of 40:
-- (40 + 2) / 60 = 0.7; 10 * log2(7) = 28.1 -> +20 (cap).
-- 40 + 25 + 14 + 20 - 1 = 98
UPDATE leadflow.close_stats SET won = 40 WHERE dimension = 'campaign' AND key = '3';
SELECT score, pg_temp.points(explanation)
FROM leadflow.score_v1('web', 3, true, true, false, '{}');
UPDATE leadflow.close_stats SET won = 0 WHERE dimension = 'campaign' AND key = '3';
-- back to 40 + 25 + 14 - 16 - 1 = 62
SELECT score FROM leadflow.score_v1('web', 3, true, true, false, '{}');

--
-- leadflow_score_count_close, through a wrapper this test declares.
--
CREATE FUNCTION pg_temp.count_close(channel text, campaign_id integer,
	won boolean, delta integer) RETURNS void
LANGUAGE c AS '$libdir/leadflow', 'leadflow_score_count_close_sql';

-- A won lead of web and campaign 3: all 1001/101, web 101/31, 3 41/1.
SELECT pg_temp.count_close('web', 3, true, 1);
SELECT * FROM leadflow.close_stats
WHERE (dimension, key) IN (('all', ''), ('channel', 'web'), ('campaign', '3'))
ORDER BY dimension, key;
-- overall 101 / 1001 = 0.100899
-- web: (31 + 20 * 0.100899) / 121 = 33.018 / 121 = 0.27288;
--   10 * log2(0.27288 / 0.100899) = 10 * log2(2.7044) = 14.35 -> +14
-- campaign 3: (1 + 2.01798) / 61 = 0.049475;
--   10 * log2(0.049475 / 0.100899) = 10 * log2(0.49034) = -10.28 -> -10
-- 40 + 25 + 14 - 10 - 1 = 68
SELECT score, pg_temp.points(explanation),
	explanation -> 'overall_rate' AS overall
FROM leadflow.score_v1('web', 3, true, true, false, '{}');

-- It reopens: back to 1000/100, 100/30, 40/0.
SELECT pg_temp.count_close('web', 3, true, -1);
-- A lost lead without channel or campaign touches only 'all': 1001/100.
SELECT pg_temp.count_close(NULL, NULL, false, 1);
-- A new channel and campaign get rows; delta 0 does nothing.
SELECT pg_temp.count_close('new', 77, false, 1);
SELECT pg_temp.count_close('other', 78, true, 0);
SELECT * FROM leadflow.close_stats
WHERE dimension = 'all' OR key IN ('web', '3', 'new', '77', 'other', '78')
ORDER BY dimension, key;

-- Counts never go negative and wins never exceed closes: 'new' is 1/0;
-- leaving won twice takes closed to 0 and keeps won at 0.
SELECT pg_temp.count_close('new', 77, true, -1);
SELECT pg_temp.count_close('new', 77, true, -1);
SELECT * FROM leadflow.close_stats WHERE key IN ('new', '77') ORDER BY dimension;
SELECT pg_temp.count_close('new', NULL, true, 1);
SELECT pg_temp.count_close('new', NULL, false, -1);
-- 1 closed, 1 won, then a non-won leave: 0 closed, so 0 won
SELECT * FROM leadflow.close_stats WHERE key = 'new';
SELECT pg_temp.count_close(NULL, NULL, false, -1);
SELECT pg_temp.count_close(NULL, NULL, false, -1);
-- 'all' went through every call above, from 1000/100:
-- +1/+1, -1/-1, +1/0, +1/0, (0), -1/-1, -1/-1, +1/+1, -1/0, -1/0, -1/0
-- = 998 closed, 99 won
SELECT * FROM leadflow.close_stats WHERE dimension = 'all';

--
-- Permissions: a role with no privilege on the score tables can score and
-- count closes; the caches load and the upsert runs as the tables' owner.
--
CREATE ROLE regress_score_app;
GRANT USAGE ON SCHEMA leadflow TO regress_score_app;
SET ROLE regress_score_app;
SELECT count(*) FROM leadflow.score_rule;
RESET ROLE;
-- make both caches stale, then load them as the application role
UPDATE leadflow.score_rule SET points = points WHERE name = 'vip';
UPDATE leadflow.close_stats SET closed = closed WHERE dimension = 'all';
SET ROLE regress_score_app;
-- overall 99 / 998 = 0.0992; web (30 + 1.984) / 120 = 0.2665 -> +14;
-- campaign 8 (90 + 1.984) / 320 = 0.2875 -> 10 * log2(2.898) = 15.35 -> +15;
-- 40 + 25 + 14 + 15 + 10 (vip) - 1 (no-referrer) = 103 -> 100
SELECT score, explanation -> 'total' AS total
FROM leadflow.score_v1('web', 8, true, true, false, '{"vip": true}');
SELECT pg_temp.count_close('web', 8, false, 1);
SELECT pg_temp.count_close('web', 8, false, -1);
RESET ROLE;
DROP OWNED BY regress_score_app;
DROP ROLE regress_score_app;

--
-- Rebuilding close_stats from leadflow.lead.
--
BEGIN;
INSERT INTO leadflow.campaign (campaign_id, name) VALUES (9001, 'score-test-a'), (9002, 'score-test-b');
INSERT INTO leadflow.lead (channel, campaign_id, stage) VALUES
	('score-test', 9001, 'won'),
	('score-test', 9001, 'lost'),
	('score-test', 9002, 'disqualified'),
	('score-test', 9002, 'new'),
	('score-test', NULL, 'won'),
	(NULL, 9002, 'won'),
	('score-test-open', 9001, 'hot');
SELECT leadflow.score_rebuild_close_stats() > 0 AS rebuilt;
-- score-test: 4 closed, 2 won; 9001: 2/1; 9002: 2/1; no row for open leads
SELECT * FROM leadflow.close_stats
WHERE key IN ('score-test', 'score-test-open', '9001', '9002')
ORDER BY dimension, key;
-- and every row matches a count made here from the leads
SELECT count(*) AS mismatches FROM (
	(SELECT dimension, key, closed, won FROM leadflow.close_stats
	 EXCEPT
	 SELECT d, k, count(*), count(*) FILTER (WHERE stage = 'won')
	 FROM leadflow.lead,
		LATERAL (VALUES ('all', ''), ('channel', channel),
				 ('campaign', campaign_id::text)) AS v (d, k)
	 WHERE stage IN ('won', 'lost', 'disqualified') AND k IS NOT NULL
	 GROUP BY d, k)
	UNION ALL
	(SELECT d, k, count(*), count(*) FILTER (WHERE stage = 'won')
	 FROM leadflow.lead,
		LATERAL (VALUES ('all', ''), ('channel', channel),
				 ('campaign', campaign_id::text)) AS v (d, k)
	 WHERE stage IN ('won', 'lost', 'disqualified') AND k IS NOT NULL
	 GROUP BY d, k
	 EXCEPT
	 SELECT dimension, key, closed, won FROM leadflow.close_stats)) AS diff;
ROLLBACK;

-- Refused where a concurrent close could be lost.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT leadflow.score_rebuild_close_stats();
ROLLBACK;

--
-- Under session_replication_role = replica (logical replication applies
-- changes so) the check trigger does not fire but the invalidation does.
--
-- 65 + 2 (not-us) - 1 (no-referrer) = 66
SELECT pg_temp.s('{"country": "FR"}');
SET session_replication_role = replica;
INSERT INTO leadflow.score_rule (rule_id, name, attribute, op, value, points)
VALUES (9998, 'fr', 'country', '=', '"FR"', 7),
	(9999, 'slipped-in', 'country', '<', 'true', 50);
RESET session_replication_role;
-- fr applies (66 + 7 = 73); the rule the check would have refused is
-- skipped with a warning, once per cache load
SELECT pg_temp.s('{"country": "FR"}');
SELECT pg_temp.s('{"country": "FR"}');
DELETE FROM leadflow.score_rule WHERE rule_id IN (9998, 9999);

--
-- Misuse of the trigger functions.
--
CREATE TABLE score_misuse (id int);
CREATE TRIGGER score_misuse_check AFTER INSERT ON score_misuse
	FOR EACH ROW EXECUTE FUNCTION leadflow.score_rule_check();
INSERT INTO score_misuse VALUES (1);
DROP TRIGGER score_misuse_check ON score_misuse;
CREATE TRIGGER score_misuse_inval BEFORE INSERT ON score_misuse
	FOR EACH ROW EXECUTE FUNCTION leadflow.config_changed();
INSERT INTO score_misuse VALUES (1);
DROP TABLE score_misuse;

-- Leave the tables as CREATE EXTENSION made them.
TRUNCATE leadflow.score_rule, leadflow.close_stats;
-- 40 + 25: no rules, no history
SELECT score, pg_temp.points(explanation)
FROM leadflow.score_v1('web', 3, true, true, false, '{"vip": true}');
