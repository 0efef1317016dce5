-- tests/regress/sql/learned.sql: the learned lead-quality score on small
-- hand-made sets whose fitted win rates are known in advance.
--
-- With a tiny L2 penalty a logistic model with one feature per channel
-- (or per range of a number) reproduces each group's won rate, and the
-- unpenalised intercept sits where the penalty on the weights is least:
-- for two groups won 3 of 4 and 1 of 4 times, at log-odds 0, so a lead of
-- neither group scores 50.  Everything runs in one transaction that is
-- rolled back, so the other tests see neither leads nor models.
SET timezone = 'UTC';
BEGIN;
TRUNCATE leadflow.lead CASCADE;
SET LOCAL leadflow.train_l2 = 0.0001;
SET LOCAL leadflow.train_min_outcomes = 50;
SET LOCAL leadflow.train_holdout = 0.25;

-- No model yet: score v1 stands and score_learned says nothing.
SELECT * FROM leadflow.score_learned('web', NULL, NULL, NULL, NULL, '{}');
SELECT leadflow.train_model();
INSERT INTO leadflow.lead (lead_id, received_at, channel)
VALUES (1000, '2026-01-01 00:00+00', 'web');
SELECT score, score_model_version, score_explanation->>'model' AS model
FROM leadflow.lead WHERE lead_id = 1000;

-- 80 closed leads, one a minute: even ones from web, odd ones from ads.
-- web is won unless i % 8 = 6 (3 of 4), ads only when i % 8 = 1 (1 of 4).
INSERT INTO leadflow.lead (lead_id, received_at, channel, stage)
SELECT i, '2026-01-01 00:00+00'::timestamptz + i * interval '1 minute',
	CASE WHEN i % 2 = 0 THEN 'web' ELSE 'ads' END,
	CASE WHEN (i % 2 = 0 AND i % 8 <> 6) OR i % 8 = 1
		 THEN 'won' ELSE 'lost' END
FROM generate_series(1, 80) AS i;

-- Too few outcomes for the minimum: no model.
SET LOCAL leadflow.train_min_outcomes = 81;
SELECT leadflow.train_model();
SET LOCAL leadflow.train_min_outcomes = 50;
SELECT count(*) AS models FROM leadflow.score_model;

SELECT leadflow.train_model() AS version \gset
SELECT outcomes, won, holdout_outcomes, holdout_won FROM leadflow.score_model;

-- The judged fit saw leads 1-60: web won 23 of 30, ads 8 of 30, so it
-- scores web 77 and ads 27.  The held-out leads 61-80: web 7 won of 10,
-- ads 2 of 10.  AUC: won web over lost ads 7 * 8 = 56 pairs, ties
-- 7 * 3 + 2 * 8 = 37 pairs count half, of 9 * 11 = 99: 74.5 / 99.
-- Calibration: |23/30 - 0.7| and |8/30 - 0.2|, both 1/15.
SELECT model, round(auc::numeric, 4) AS auc, round(74.5 / 99, 4) AS expected,
	round(calibration_error::numeric, 3) AS calibration_error, features
FROM leadflow.model_quality;
SELECT from_probability, to_probability, leads, round(predicted, 3),
	observed
FROM leadflow.model_calibration WHERE leads > 0 ORDER BY from_probability;

-- The model in use was refitted on all 80: web 30 of 40, ads 10 of 40.
SELECT s.model_version = :version AS current, s.score,
	s.explanation->>'model' AS model,
	round((s.explanation->>'probability')::numeric, 3) AS probability
FROM (VALUES ('web'), ('ads'), ('fax'), (NULL)) AS c (channel),
	leadflow.score_learned(c.channel, NULL, NULL, NULL, NULL, '{}') AS s;

-- The explanation: the channel moved it most, by log 3 = 1.0986.
SELECT f->>'factor' AS factor, f->>'value' AS value,
	round((f->>'weight')::numeric, 2) AS weight
FROM leadflow.score_learned('web', NULL, NULL, NULL, NULL, '{}') AS s,
	jsonb_array_elements(s.explanation->'factors') WITH ORDINALITY AS e (f, n)
WHERE n = 1;
SELECT round((s.explanation->>'intercept')::numeric
	+ (s.explanation->>'other_weight')::numeric
	+ (SELECT sum((f->>'weight')::numeric)
	   FROM jsonb_array_elements(s.explanation->'factors') AS f)
	- (s.explanation->>'log_odds')::numeric, 3) AS weights_add_up
FROM leadflow.score_learned('ads', 7, true, false, true,
	'{"size": 3, "kind": "shop"}') AS s;

-- A new lead is scored by the model at INSERT; a lead scored by v1 before
-- the model is rescored by the batch; closed leads keep their score.
INSERT INTO leadflow.lead (lead_id, received_at, channel)
VALUES (1001, '2026-01-02 00:00+00', 'web'),
	   (1002, '2026-01-02 00:00+00', 'ads');
SELECT lead_id, score, score_model_version = :version AS current
FROM leadflow.lead WHERE lead_id IN (1000, 1001, 1002) ORDER BY lead_id;
SELECT leadflow.rescore_open_leads();
SELECT leadflow.rescore_open_leads();
SELECT lead_id, score, score_model_version = :version AS current,
	score_explanation->>'model' AS model
FROM leadflow.lead WHERE lead_id IN (1000, 1001, 1002, 2, 3) ORDER BY lead_id;
-- A writer's own score_model_version on a closed lead changes nothing.
UPDATE leadflow.lead SET score_model_version = 99 WHERE lead_id = 2;
SELECT score, score_model_version FROM leadflow.lead WHERE lead_id = 2;

-- Numbers are cut into ranges at quantiles: 8 leads each with visits 1,
-- 2, 3, 4 (won 2 of 8) and 11, 12, 13, 14 (won 6 of 8).  64 values,
-- 16 bins: the values at positions 4, 8, ..., 60 give the edges 2, 3, 4,
-- 11, 12, 13, 14 (1 is the smallest), one range per value.  No holdout.
TRUNCATE leadflow.lead CASCADE;
SET LOCAL leadflow.train_holdout = 0;
INSERT INTO leadflow.lead (received_at, channel, attributes, stage)
SELECT '2026-02-01 00:00+00'::timestamptz + (v * 8 + k) * interval '1 minute',
	'web', jsonb_build_object('visits', v),
	CASE WHEN (v < 10 AND k < 2) OR (v > 10 AND k < 6) THEN 'won'
		 ELSE 'lost' END
FROM unnest(ARRAY[1, 2, 3, 4, 11, 12, 13, 14]) AS v,
	 generate_series(0, 7) AS k;
SELECT leadflow.train_model() > :version AS newer;
SELECT bin_attribute, bin_edge_count, bin_edges, holdout_outcomes, auc
FROM leadflow.score_model ORDER BY model_version DESC LIMIT 1;
SELECT model, model_version = :version AS first_model
FROM leadflow.model_quality ORDER BY model;
-- 3 and -5 fall in low ranges (25), 12 and 100 in high ones (75), no
-- visits at all has no range: the intercept, 50.
SELECT a.attributes, s.score
FROM (VALUES ('{"visits": 3}'::jsonb), ('{"visits": -5}'),
			 ('{"visits": 12}'), ('{"visits": 100}'), ('{}'),
			 ('{"visits": "many"}')) AS a (attributes),
	leadflow.score_learned('web', NULL, NULL, NULL, NULL, a.attributes) AS s;
SELECT f->>'factor' AS factor, f->>'attribute' AS attribute,
	f->'from' AS "from", f->'to' AS "to",
	round((f->>'weight')::numeric, 2) AS weight
FROM leadflow.score_learned('web', NULL, NULL, NULL, NULL,
	'{"visits": 12.5}') AS s,
	jsonb_array_elements(s.explanation->'factors') WITH ORDINALITY AS e (f, n)
WHERE n = 1;
ROLLBACK;

-- The rollback took the models with it, in this session's cache too.
SELECT count(*) FROM leadflow.score_model;
SELECT * FROM leadflow.score_learned('web', NULL, NULL, NULL, NULL, '{}');
