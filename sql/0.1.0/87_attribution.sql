-- sql/0.1.0/87_attribution.sql: lost-lead attribution.  Every lead that
-- closed without a sale (lost or disqualified), or that stays open with
-- no touch for longer than leadflow.stale_after, is put on one side,
-- with a reason, by the first of these rules that holds:
--
--   1. closed as wrong_target, invalid_contact, duplicate, spam or
--      no_need: marketing, that reason;
--   2. its SLA was breached (first response after due, or none by due
--      while it was open) and it was never reached: sales, sla_missed;
--   3. closed as lost_to_competitor, price or timing: market, that
--      reason;
--   4. open and untouched for longer than leadflow.stale_after: sales,
--      no_touch;
--   5. closed after fewer than leadflow.min_attempts outbound touches:
--      sales, too_few_attempts;
--   6. anything else (closed as unresponsive, unknown or without a reason
--      after enough attempts, with the SLA kept or the lead reached):
--      market, the close reason (unknown when none).
--
-- Read live from the leads (it is per lead), through a view that shows
-- no contact details.

CREATE VIEW leadflow.lost_lead_attribution WITH (security_barrier) AS
SELECT l.lead_id, l.received_at,
	(l.received_at AT TIME ZONE z.time_zone)::date AS arrival_day,
	l.campaign_id, l.channel, l.rep_id, l.stage, l.close_reason,
	s.closed_at, v.side, v.reason,
	CASE WHEN s.sla_breached THEN coalesce(
		(SELECT ev.to_value::integer FROM leadflow.lead_event ev
		 WHERE ev.lead_id = l.lead_id AND ev.kind = 'assigned'
		   AND ev.happened_at <= l.sla_due_at
		 ORDER BY ev.happened_at DESC, ev.event_id DESC LIMIT 1),
		CASE WHEN l.assigned_at <= l.sla_due_at THEN l.rep_id END)
	END AS breach_rep_id,
	l.sla_due_at, s.sla_breached, l.first_response_at,
	l.response_wall_s, l.response_business_s,
	l.reached_at IS NOT NULL AS reached, l.outbound_touches AS attempts,
	l.attempts_before_reach, l.last_touch_at,
	CASE WHEN NOT s.closed THEN extract(epoch FROM pg_catalog.now() -
		coalesce(l.last_touch_at, l.received_at))::float8 END AS idle_s,
	l.score
FROM leadflow.lead l
CROSS JOIN leadflow.metric_time_zone z
CROSS JOIN LATERAL (SELECT
	l.stage IN ('lost', 'disqualified') AS closed,
	l.closed_at,
	-- Judged at the last closing (closed_at is NULL while the lead is
	-- open): a lead reopened and left unanswered past due, then closed
	-- again, missed its SLA.
	l.sla_due_at IS NOT NULL AND (l.sla_met IS FALSE OR
		(l.first_response_at IS NULL AND l.sla_due_at < coalesce(
			l.closed_at, pg_catalog.now()))) AS sla_breached,
	coalesce(pg_catalog.current_setting('leadflow.stale_after', true),
			 '14d')::interval AS stale_after,
	coalesce(pg_catalog.current_setting('leadflow.min_attempts', true),
			 '3')::integer AS min_attempts) s
CROSS JOIN LATERAL (SELECT
	CASE
		WHEN s.closed AND l.close_reason IN ('wrong_target',
			'invalid_contact', 'duplicate', 'spam', 'no_need')
			THEN 'marketing'
		WHEN s.sla_breached AND l.reached_at IS NULL THEN 'sales'
		WHEN s.closed AND l.close_reason IN ('lost_to_competitor', 'price',
			'timing') THEN 'market'
		WHEN NOT s.closed THEN 'sales'
		WHEN l.outbound_touches < s.min_attempts THEN 'sales'
		ELSE 'market' END AS side,
	CASE
		WHEN s.closed AND l.close_reason IN ('wrong_target',
			'invalid_contact', 'duplicate', 'spam', 'no_need')
			THEN l.close_reason
		WHEN s.sla_breached AND l.reached_at IS NULL THEN 'sla_missed'
		WHEN s.closed AND l.close_reason IN ('lost_to_competitor', 'price',
			'timing') THEN l.close_reason
		WHEN NOT s.closed THEN 'no_touch'
		WHEN l.outbound_touches < s.min_attempts THEN 'too_few_attempts'
		ELSE coalesce(l.close_reason, 'unknown') END AS reason) v
WHERE l.stage IN ('lost', 'disqualified')
   OR (l.stage <> 'won' AND coalesce(l.last_touch_at, l.received_at) <
	   pg_catalog.now() - s.stale_after);

COMMENT ON VIEW leadflow.lost_lead_attribution IS
'One row per lead closed without a sale (lost or disqualified), or open with no touch (or no touch since arrival) for longer than leadflow.stale_after: the side that lost it (marketing, sales or market), the reason, and the facts behind the verdict.  The first rule that holds decides: 1. closed as wrong_target, invalid_contact, duplicate, spam or no_need: marketing; 2. SLA breached and never reached: sales, sla_missed; 3. closed as lost_to_competitor, price or timing: market; 4. open and stale: sales, no_touch; 5. closed after fewer than leadflow.min_attempts outbound touches: sales, too_few_attempts; 6. otherwise market, with the close reason (unknown when none).  Live from the leads; no contact details.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.lead_id IS 'The lead.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.received_at IS 'When the lead arrived.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.arrival_day IS 'Local date of arrival in the rollups'' time zone (leadflow.metric_time_zone), as the period views cut days.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.campaign_id IS 'The lead''s campaign.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.channel IS 'The lead''s channel (source).';
COMMENT ON COLUMN leadflow.lost_lead_attribution.rep_id IS 'The rep who holds the lead now.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.stage IS 'lost or disqualified when closed; the open stage of a stale lead.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.close_reason IS 'The close reason Sales gave; NULL when open or none given.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.closed_at IS 'When the lead last entered its closed stage (leadflow.lead.closed_at); NULL when open.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.side IS 'marketing, sales or market: who lost the lead, by the rules in the view''s comment.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.reason IS 'The close reason for marketing and market verdicts; sla_missed, no_touch or too_few_attempts for sales verdicts; unknown when no reason was given.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.breach_rep_id IS 'When the SLA was breached: the rep who held the lead at SLA due (the last assignment at or before it); NULL when not breached or when nobody held it.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.sla_due_at IS 'When the first response was due; NULL without an SLA.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.sla_breached IS 'Whether the first response came after due, or none came by due while the lead was open.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.first_response_at IS 'Time of the first response; NULL when there was none.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.response_wall_s IS 'Response latency in wall-clock seconds.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.response_business_s IS 'Response latency in business seconds on the policy''s calendar.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.reached IS 'Whether the lead was ever reached.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.attempts IS 'Outbound touches made.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.attempts_before_reach IS 'Outbound touches up to and including the reaching one; NULL when never reached.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.last_touch_at IS 'Time of the last touch; NULL when never touched.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.idle_s IS 'Open leads: seconds since the last touch, or since arrival when never touched; NULL when closed.';
COMMENT ON COLUMN leadflow.lost_lead_attribution.score IS 'Lead-quality score, 0 to 100.';

CREATE VIEW leadflow.lost_lead_summary AS
SELECT g.grain, g.period_start,
	CASE g.grain WHEN 'day' THEN g.period_start + 1
		WHEN 'week' THEN g.period_start + 7
		ELSE (g.period_start + interval '1 month')::date END AS period_end,
	g.period_start::timestamp AT TIME ZONE (SELECT z.time_zone
		FROM leadflow.metric_time_zone z) AS period_starts_at,
	(SELECT z.time_zone FROM leadflow.metric_time_zone z) AS time_zone,
	a.campaign_id, a.side,
	pg_catalog.count(*) AS leads,
	(pg_catalog.sum(pg_catalog.count(*)) OVER w)::bigint AS lost_leads,
	pg_catalog.count(*) / pg_catalog.sum(pg_catalog.count(*)) OVER w
		AS lost_share
FROM leadflow.lost_lead_attribution a
CROSS JOIN LATERAL (VALUES
	('day'::text, a.arrival_day),
	('week', pg_catalog.date_trunc('week', a.arrival_day::timestamp)::date),
	('month', pg_catalog.date_trunc('month', a.arrival_day::timestamp)::date))
	AS g(grain, period_start)
GROUP BY g.grain, g.period_start, a.campaign_id, a.side
WINDOW w AS (PARTITION BY g.grain, g.period_start, a.campaign_id);

COMMENT ON VIEW leadflow.lost_lead_summary IS
'Lost and stale leads (leadflow.lost_lead_attribution) per period of arrival (day, ISO week or month: filter on grain), campaign and side, with the share of the period''s and campaign''s lost leads each side holds.';
COMMENT ON COLUMN leadflow.lost_lead_summary.grain IS 'day, week (ISO, starting Monday) or month: always filter on one grain.';
COMMENT ON COLUMN leadflow.lost_lead_summary.period_start IS 'First local date of the period of arrival, in the rollups'' time zone (leadflow.metric_time_zone).';
COMMENT ON COLUMN leadflow.lost_lead_summary.period_end IS 'First local date after the period (exclusive).';
COMMENT ON COLUMN leadflow.lost_lead_summary.period_starts_at IS 'The instant the period starts: period_start at midnight in time_zone.';
COMMENT ON COLUMN leadflow.lost_lead_summary.time_zone IS 'The time zone periods are cut in: the rollups'' zone (leadflow.metric_time_zone).';
COMMENT ON COLUMN leadflow.lost_lead_summary.campaign_id IS 'The campaign; NULL for leads without one.';
COMMENT ON COLUMN leadflow.lost_lead_summary.side IS 'marketing, sales or market.';
COMMENT ON COLUMN leadflow.lost_lead_summary.leads IS 'Lost or stale leads put on this side.';
COMMENT ON COLUMN leadflow.lost_lead_summary.lost_leads IS 'Lost or stale leads of the period and campaign, all sides: the denominator of lost_share.';
COMMENT ON COLUMN leadflow.lost_lead_summary.lost_share IS 'leads / lost_leads (0 to 1).';
