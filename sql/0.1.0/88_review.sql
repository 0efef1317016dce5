-- sql/0.1.0/88_review.sql: the call-review queue.  Each week, a fair
-- sample of each rep's recorded, connected calls is put up for QA: the
-- calls are ranked by a hash of their id (md5, the same on every server
-- and every query), and the first leadflow.review_calls_per_week of each
-- rep and week are in the queue.  Reviewers store their points per
-- criterion of a rubric the DBA defines.

CREATE TABLE leadflow.review_criterion (
	criterion text PRIMARY KEY,
	description text NOT NULL,
	max_points smallint NOT NULL
		CONSTRAINT review_criterion_max_points_positive
		CHECK (max_points > 0),
	active boolean NOT NULL DEFAULT true
);

COMMENT ON TABLE leadflow.review_criterion IS
'The QA rubric: what reviewers score a call on, and the most points each criterion gives.  Empty at install; the DBA defines it.';
COMMENT ON COLUMN leadflow.review_criterion.criterion IS 'Short name, e.g. greeting or next_step.';
COMMENT ON COLUMN leadflow.review_criterion.description IS 'What the reviewer listens for.';
COMMENT ON COLUMN leadflow.review_criterion.max_points IS 'Most points the criterion gives.';
COMMENT ON COLUMN leadflow.review_criterion.active IS 'Whether the criterion is part of the rubric now: a review is complete when every active criterion is scored, and an active criterion not scored yet counts in the call''s maximum.  Scores on a retired (inactive) criterion still count for their calls.';

CREATE TABLE leadflow.call_review (
	touch_id bigint NOT NULL,
	criterion text NOT NULL
		REFERENCES leadflow.review_criterion ON UPDATE CASCADE,
	points smallint NOT NULL
		CONSTRAINT call_review_points_not_negative CHECK (points >= 0),
	reviewer name NOT NULL DEFAULT CURRENT_USER,
	reviewed_at timestamptz NOT NULL DEFAULT now(),
	note text,
	PRIMARY KEY (touch_id, criterion)
);

COMMENT ON TABLE leadflow.call_review IS
'QA scores of reviewed calls: one row per call and rubric criterion.  No foreign key to leadflow.touch, so that touches can still be truncated; a review outlives its call.';
COMMENT ON COLUMN leadflow.call_review.touch_id IS 'The call (a touch).';
COMMENT ON COLUMN leadflow.call_review.points IS 'Points given, from 0 to the criterion''s max_points.';
COMMENT ON COLUMN leadflow.call_review.reviewer IS 'Who scored it.';

CREATE FUNCTION leadflow.call_review_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	most smallint;
BEGIN
	-- FOR SHARE: a concurrent change of the maximum waits for this score,
	-- and this score waits for it and then reads the new maximum, so the
	-- two cannot both commit past each other's check.
	SELECT c.max_points INTO most FROM leadflow.review_criterion c
	WHERE c.criterion = NEW.criterion FOR SHARE;
	IF NEW.points > most THEN
		RAISE EXCEPTION 'points % exceed the maximum % of criterion "%"',
			NEW.points, most, NEW.criterion
			USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;

COMMENT ON FUNCTION leadflow.call_review_check() IS
'BEFORE INSERT OR UPDATE row trigger on leadflow.call_review: refuses more points than the criterion gives.';

CREATE TRIGGER leadflow_call_review_insert_update
	BEFORE INSERT OR UPDATE ON leadflow.call_review
	FOR EACH ROW EXECUTE FUNCTION leadflow.call_review_check();

-- The other side of the same rule: a criterion's maximum may not fall
-- below points already given on it, or a call's QA share would pass 1.
CREATE FUNCTION leadflow.review_criterion_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	given smallint;
BEGIN
	SELECT max(r.points) INTO given FROM leadflow.call_review r
	WHERE r.criterion = OLD.criterion;
	IF given > NEW.max_points THEN
		RAISE EXCEPTION 'max_points % of criterion "%" is below the % points already given on it',
			NEW.max_points, NEW.criterion, given
			USING ERRCODE = 'check_violation',
			HINT = 'Lower those scores first, or retire the criterion (active = false) and add a new one.';
	END IF;
	RETURN NEW;
END
$$;

COMMENT ON FUNCTION leadflow.review_criterion_check() IS
'BEFORE UPDATE OF max_points row trigger on leadflow.review_criterion: refuses a maximum below the points already given on the criterion.';

CREATE TRIGGER leadflow_review_criterion_update
	BEFORE UPDATE OF max_points ON leadflow.review_criterion
	FOR EACH ROW WHEN (NEW.max_points < OLD.max_points)
	EXECUTE FUNCTION leadflow.review_criterion_check();

SELECT pg_catalog.pg_extension_config_dump('leadflow.review_criterion', '');
SELECT pg_catalog.pg_extension_config_dump('leadflow.call_review', '');

CREATE INDEX touch_recorded_call_idx ON leadflow.touch (rep_id, touched_at)
	WHERE kind = 'call' AND outcome = 'connected'
	  AND recording_uri IS NOT NULL;

CREATE VIEW leadflow.call_review_queue WITH (security_barrier) AS
SELECT c.week_start, c.time_zone, c.rep_id, p.name AS rep_name, p.team_id,
	c.touch_id, c.lead_id, c.touched_at, c.direction, c.duration_s,
	c.recording_uri, c.sample_rank, c.calls_in_week,
	l.stage AS lead_stage, l.close_reason AS lead_close_reason,
	l.stage = 'won' AS lead_won, l.score AS lead_score,
	q.touch_id IS NOT NULL AS reviewed, q.qa_points,
	q.qa_max_points + u.unscored_points AS qa_max_points,
	u.unscored_criteria AS qa_criteria_left,
	q.qa_points::numeric / nullif(q.qa_max_points + u.unscored_points, 0)
		AS qa_share,
	q.reviewed_at
FROM (
	SELECT t.touch_id, t.lead_id, t.rep_id, t.touched_at, t.direction,
		t.duration_s, t.recording_uri, z.time_zone,
		pg_catalog.date_trunc('week',
			t.touched_at AT TIME ZONE z.time_zone)::date AS week_start,
		pg_catalog.row_number() OVER w AS sample_rank,
		pg_catalog.count(*) OVER (PARTITION BY t.rep_id,
			pg_catalog.date_trunc('week', t.touched_at AT TIME ZONE
								  z.time_zone)) AS calls_in_week
	FROM leadflow.touch t
	CROSS JOIN leadflow.metric_time_zone z
	WHERE t.kind = 'call' AND t.outcome = 'connected'
	  AND t.recording_uri IS NOT NULL AND t.rep_id IS NOT NULL
	WINDOW w AS (PARTITION BY t.rep_id,
		pg_catalog.date_trunc('week', t.touched_at AT TIME ZONE z.time_zone)
		ORDER BY pg_catalog.md5(t.touch_id::text) COLLATE "C", t.touch_id)) c
JOIN leadflow.lead l ON l.lead_id = c.lead_id
LEFT JOIN leadflow.rep p ON p.rep_id = c.rep_id
LEFT JOIN (
	SELECT r.touch_id, pg_catalog.sum(r.points)::integer AS qa_points,
		pg_catalog.sum(k.max_points)::integer AS qa_max_points,
		pg_catalog.max(r.reviewed_at) AS reviewed_at
	FROM leadflow.call_review r
	JOIN leadflow.review_criterion k ON k.criterion = r.criterion
	GROUP BY r.touch_id) q ON q.touch_id = c.touch_id
-- The active criteria a reviewed call has no score on yet: they count in
-- its maximum as 0 points given, so that a review in progress does not
-- show a full share after its first criterion.
LEFT JOIN LATERAL (
	SELECT coalesce(pg_catalog.sum(k.max_points), 0)::integer
			AS unscored_points,
		pg_catalog.count(*)::integer AS unscored_criteria
	FROM leadflow.review_criterion k
	WHERE k.active AND NOT EXISTS (SELECT 1 FROM leadflow.call_review r
		WHERE r.touch_id = q.touch_id AND r.criterion = k.criterion)) u
	ON q.touch_id IS NOT NULL
WHERE c.sample_rank <= coalesce(pg_catalog.current_setting(
	'leadflow.review_calls_per_week', true), '5')::integer;

COMMENT ON VIEW leadflow.call_review_queue IS
'A fair sample of each rep''s recorded, connected calls per week (ISO week of the call in the rollups'' time zone): the calls ranked by the md5 hash of their touch_id, the first leadflow.review_calls_per_week of each rep and week.  The same calls come back on every query while the week''s calls stay the same; a new call enters the sample only if its hash ranks it in.  With the lead''s outcome and the QA score stored in leadflow.call_review.  No phone numbers or e-mail addresses.';
COMMENT ON COLUMN leadflow.call_review_queue.week_start IS 'Monday of the call''s ISO week, in time_zone.';
COMMENT ON COLUMN leadflow.call_review_queue.time_zone IS 'The time zone weeks are cut in: the rollups'' zone.';
COMMENT ON COLUMN leadflow.call_review_queue.rep_id IS 'The rep who made or took the call.';
COMMENT ON COLUMN leadflow.call_review_queue.rep_name IS 'The rep''s name.';
COMMENT ON COLUMN leadflow.call_review_queue.team_id IS 'The rep''s team.';
COMMENT ON COLUMN leadflow.call_review_queue.touch_id IS 'The call.';
COMMENT ON COLUMN leadflow.call_review_queue.lead_id IS 'The lead called.';
COMMENT ON COLUMN leadflow.call_review_queue.touched_at IS 'When the call took place.';
COMMENT ON COLUMN leadflow.call_review_queue.direction IS 'outbound or inbound.';
COMMENT ON COLUMN leadflow.call_review_queue.duration_s IS 'Call duration in seconds.';
COMMENT ON COLUMN leadflow.call_review_queue.recording_uri IS 'Where the recording is kept.';
COMMENT ON COLUMN leadflow.call_review_queue.sample_rank IS 'The call''s place in its rep''s and week''s hash order, from 1.';
COMMENT ON COLUMN leadflow.call_review_queue.calls_in_week IS 'Recorded connected calls of the rep that week: the population sampled.';
COMMENT ON COLUMN leadflow.call_review_queue.lead_stage IS 'The lead''s stage now.';
COMMENT ON COLUMN leadflow.call_review_queue.lead_close_reason IS 'Why the lead closed without a sale, if it did.';
COMMENT ON COLUMN leadflow.call_review_queue.lead_won IS 'Whether the lead is won.';
COMMENT ON COLUMN leadflow.call_review_queue.lead_score IS 'The lead''s quality score, 0 to 100.';
COMMENT ON COLUMN leadflow.call_review_queue.reviewed IS 'Whether the call has QA scores.';
COMMENT ON COLUMN leadflow.call_review_queue.qa_points IS 'Points given over the criteria scored; NULL until the call is reviewed.';
COMMENT ON COLUMN leadflow.call_review_queue.qa_max_points IS 'Most points the criteria scored give, plus those of the active criteria not scored yet (which count as 0 points given); NULL until the call is reviewed.';
COMMENT ON COLUMN leadflow.call_review_queue.qa_criteria_left IS 'Active criteria of the rubric the call has no score on yet: 0 when its review is complete; NULL until the call is reviewed.';
COMMENT ON COLUMN leadflow.call_review_queue.qa_share IS 'qa_points / qa_max_points, 0 to 1.';
COMMENT ON COLUMN leadflow.call_review_queue.reviewed_at IS 'When the last score was stored.';
