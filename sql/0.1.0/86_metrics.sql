-- sql/0.1.0/86_metrics.sql: the figures both sides agree on, as views
-- for BI tools: campaign and channel quality, rep and team
-- responsiveness, the funnel, and the SLA breaches open now.
--
-- The period views read the rollups the worker keeps
-- (leadflow.rollup_daily by day of arrival for the funnel,
-- leadflow.rollup_campaign_daily by day of arrival and campaign for the
-- campaign view, leadflow.rollup_rep_daily by
-- day of arrival and rep for the rep and team views,
-- leadflow.rollup_escalation_daily by day fired), so they cost what the
-- rollup rows of the period cost,
-- not what the leads cost.  Days are cut in the rollups' time zone
-- (leadflow.rollup_time_zone); an ISO week or a month is a set of whole
-- local days of that zone, so its figures are sums of day figures, and
-- its medians come from the merged daily lists, exactly.  Each period
-- view has a grain column (day, week, month) and a period_start; a filter
-- on both reaches the rollup indexes on day, week and month.

CREATE FUNCTION leadflow.merged_percentiles_add(internal, double precision[],
												double precision[])
RETURNS internal
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_merged_percentiles_add';

CREATE FUNCTION leadflow.merged_percentiles_final(internal)
RETURNS double precision[]
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_merged_percentiles_final';

CREATE AGGREGATE leadflow.merged_percentiles(double precision[],
											 double precision[]) (
	SFUNC = leadflow.merged_percentiles_add,
	STYPE = internal,
	FINALFUNC = leadflow.merged_percentiles_final,
	FINALFUNC_MODIFY = READ_WRITE,
	SSPACE = 512
);

-- Not parallel safe: it has no combine function, and the metric views
-- are small aggregations that a parallel plan only slows down.  SSPACE
-- is the state's size at day grain (a few dozen values), which lets the
-- planner hash the groups instead of sorting rows that carry the lists.
COMMENT ON AGGREGATE leadflow.merged_percentiles(double precision[], double precision[]) IS
'Exact percentiles of all the values of the lists aggregated (NULL lists and elements are skipped), one per fraction of the second argument (fractions from 0 to 1, read from the first row), as percentile_cont computes them; NULL when there is no value.  Used to merge the daily latency lists of the rollups into weekly or monthly medians.';

-- The rollups' time zone: the zone the rollup days were cut in, or the
-- setting before the first refresh.
CREATE VIEW leadflow.metric_time_zone AS
SELECT coalesce(s.time_zone,
				pg_catalog.current_setting('leadflow.rollup_time_zone', true),
				'UTC') AS time_zone
FROM leadflow.rollup_state s;

COMMENT ON VIEW leadflow.metric_time_zone IS
'One row: the time zone the rollups'' days, and so the metric views'' periods, are cut in.';
COMMENT ON COLUMN leadflow.metric_time_zone.time_zone IS
'IANA time zone name: leadflow.rollup_state.time_zone, the zone of the last full rebuild, or leadflow.rollup_time_zone before the first refresh.';

-- Every row of the lead rollup once per grain, with its period (the day
-- of arrival, its ISO week, its month).  Internal (not granted to
-- readers); a filter on grain and period_start reaches the rollup's
-- index on day, week or month.
CREATE VIEW leadflow.metric_input AS
	SELECT 'day'::text AS grain, r.day AS period_start,
		r.channel, r.unique_leads::integer AS unique_leads,
		r.attempting::integer AS attempting, r.reached::integer AS reached,
		r.potential::integer AS potential, r.hot::integer AS hot,
		r.won::integer AS won, r.stage_new_attempting_s,
		r.stage_attempting_reached_s, r.stage_reached_potential_s,
		r.stage_potential_hot_s, r.stage_hot_won_s
	FROM leadflow.rollup_daily r
	UNION ALL
	SELECT 'week'::text AS grain,
		pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
		r.channel, r.unique_leads::integer AS unique_leads,
		r.attempting::integer AS attempting, r.reached::integer AS reached,
		r.potential::integer AS potential, r.hot::integer AS hot,
		r.won::integer AS won, r.stage_new_attempting_s,
		r.stage_attempting_reached_s, r.stage_reached_potential_s,
		r.stage_potential_hot_s, r.stage_hot_won_s
	FROM leadflow.rollup_daily r
	UNION ALL
	SELECT 'month'::text AS grain,
		pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
		r.channel, r.unique_leads::integer AS unique_leads,
		r.attempting::integer AS attempting, r.reached::integer AS reached,
		r.potential::integer AS potential, r.hot::integer AS hot,
		r.won::integer AS won, r.stage_new_attempting_s,
		r.stage_attempting_reached_s, r.stage_reached_potential_s,
		r.stage_potential_hot_s, r.stage_hot_won_s
	FROM leadflow.rollup_daily r;

COMMENT ON VIEW leadflow.metric_input IS
'Internal input of leadflow.funnel: every row of leadflow.rollup_daily once per grain (day, week, month) with its period_start, in the columns the funnel reads.';
COMMENT ON COLUMN leadflow.metric_input.grain IS
'day, week or month: every row of leadflow.rollup_daily appears once under each grain, so a reader filters on one.';
COMMENT ON COLUMN leadflow.metric_input.period_start IS
'The period the row''s day of arrival falls in: that day (grain day), the Monday of its ISO week (week) or the first of its month (month).  A local date in the rollups'' time zone (see leadflow.metric_time_zone).';
COMMENT ON COLUMN leadflow.metric_input.channel IS
'As leadflow.rollup_daily.channel: the leads'' channel (source).  A channel has a row per campaign and rep here; leadflow.funnel sums them.';
COMMENT ON COLUMN leadflow.metric_input.unique_leads IS
'As leadflow.rollup_daily.unique_leads: leads of the row that duplicate no earlier lead.';
COMMENT ON COLUMN leadflow.metric_input.attempting IS
'As leadflow.rollup_daily.attempting: unique leads that got to stage attempting or a later stage.';
COMMENT ON COLUMN leadflow.metric_input.reached IS
'As leadflow.rollup_daily.reached: unique leads reached, or gone on to potential, hot or won without a recorded reach.';
COMMENT ON COLUMN leadflow.metric_input.potential IS
'As leadflow.rollup_daily.potential: unique leads that got to stage potential or a later stage.';
COMMENT ON COLUMN leadflow.metric_input.hot IS
'As leadflow.rollup_daily.hot: unique leads that got to stage hot or won.';
COMMENT ON COLUMN leadflow.metric_input.won IS
'As leadflow.rollup_daily.won: unique leads in stage won now.';
COMMENT ON COLUMN leadflow.metric_input.stage_new_attempting_s IS
'As leadflow.rollup_daily.stage_new_attempting_s: for each unique lead with both times, the wall-clock seconds from arrival to stage attempting, ascending.  leadflow.funnel merges these lists into exact medians.';
COMMENT ON COLUMN leadflow.metric_input.stage_attempting_reached_s IS
'As leadflow.rollup_daily.stage_attempting_reached_s: wall-clock seconds from attempting to reached per unique lead with both times, ascending.';
COMMENT ON COLUMN leadflow.metric_input.stage_reached_potential_s IS
'As leadflow.rollup_daily.stage_reached_potential_s: wall-clock seconds from reached to potential per unique lead with both times, ascending.';
COMMENT ON COLUMN leadflow.metric_input.stage_potential_hot_s IS
'As leadflow.rollup_daily.stage_potential_hot_s: wall-clock seconds from potential to hot per unique lead with both times, ascending.';
COMMENT ON COLUMN leadflow.metric_input.stage_hot_won_s IS
'As leadflow.rollup_daily.stage_hot_won_s: wall-clock seconds from hot to won per unique lead with both times, ascending.';

-- The input of leadflow.campaign_quality: every row of the campaign
-- rollup (one per day, campaign and channel, see 82_rollup.sql) and of
-- the campaign spend, once per grain.  Internal, like metric_input.
CREATE VIEW leadflow.metric_campaign_input AS
	SELECT 'day'::text AS grain, r.day AS period_start,
		r.campaign_id, r.channel, r.leads::integer AS leads,
		r.unique_leads::integer AS unique_leads,
		r.reached::integer AS reached, r.potential::integer AS potential,
		r.hot::integer AS hot, r.won::integer AS won,
		r.unique_wrong_target::integer AS unique_wrong_target,
		r.unique_invalid_contact::integer AS unique_invalid_contact,
		r.score_sum::integer AS score_sum, r.scored::integer AS scored,
		NULL::numeric AS spend
	FROM leadflow.rollup_campaign_daily r
	UNION ALL
	SELECT 'week'::text AS grain,
		pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
		r.campaign_id, r.channel, r.leads::integer AS leads,
		r.unique_leads::integer AS unique_leads,
		r.reached::integer AS reached, r.potential::integer AS potential,
		r.hot::integer AS hot, r.won::integer AS won,
		r.unique_wrong_target::integer AS unique_wrong_target,
		r.unique_invalid_contact::integer AS unique_invalid_contact,
		r.score_sum::integer AS score_sum, r.scored::integer AS scored,
		NULL::numeric AS spend
	FROM leadflow.rollup_campaign_daily r
	UNION ALL
	SELECT 'month'::text AS grain,
		pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
		r.campaign_id, r.channel, r.leads::integer AS leads,
		r.unique_leads::integer AS unique_leads,
		r.reached::integer AS reached, r.potential::integer AS potential,
		r.hot::integer AS hot, r.won::integer AS won,
		r.unique_wrong_target::integer AS unique_wrong_target,
		r.unique_invalid_contact::integer AS unique_invalid_contact,
		r.score_sum::integer AS score_sum, r.scored::integer AS scored,
		NULL::numeric AS spend
	FROM leadflow.rollup_campaign_daily r
	UNION ALL
	SELECT 'day', s.spent_on, s.campaign_id, c.channel,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s.amount::numeric
	FROM leadflow.campaign_spend s
	JOIN leadflow.campaign c ON c.campaign_id = s.campaign_id
	UNION ALL
	SELECT 'week', pg_catalog.date_trunc('week', s.spent_on::timestamp)::date,
		s.campaign_id, c.channel,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s.amount::numeric
	FROM leadflow.campaign_spend s
	JOIN leadflow.campaign c ON c.campaign_id = s.campaign_id
	UNION ALL
	SELECT 'month', pg_catalog.date_trunc('month', s.spent_on::timestamp)::date,
		s.campaign_id, c.channel,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s.amount::numeric
	FROM leadflow.campaign_spend s
	JOIN leadflow.campaign c ON c.campaign_id = s.campaign_id;

COMMENT ON VIEW leadflow.metric_campaign_input IS
'Internal input of leadflow.campaign_quality: every row of leadflow.rollup_campaign_daily (spend NULL) and of leadflow.campaign_spend (counts 0, the campaign''s channel) once per grain (day, week, month) with its period_start.';
COMMENT ON COLUMN leadflow.metric_campaign_input.grain IS
'day, week or month: every row of leadflow.rollup_campaign_daily and of leadflow.campaign_spend appears once under each grain, so a reader filters on one.';
COMMENT ON COLUMN leadflow.metric_campaign_input.period_start IS
'The period the row''s day falls in: that day (grain day), the Monday of its ISO week (week) or the first of its month (month).  The day is the day of arrival on rollup rows and leadflow.campaign_spend.spent_on on spend rows, a local date in the rollups'' time zone (see leadflow.metric_time_zone).';
COMMENT ON COLUMN leadflow.metric_campaign_input.campaign_id IS
'The campaign: leadflow.rollup_campaign_daily.campaign_id (NULL for leads without one) or leadflow.campaign_spend.campaign_id.';
COMMENT ON COLUMN leadflow.metric_campaign_input.channel IS
'The leads'' channel (source) on rows from leadflow.rollup_campaign_daily; on spend rows the campaign''s own channel, leadflow.campaign.channel.';
COMMENT ON COLUMN leadflow.metric_campaign_input.leads IS
'As leadflow.rollup_campaign_daily.leads: leads that arrived, duplicates included; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.unique_leads IS
'As leadflow.rollup_campaign_daily.unique_leads: leads that duplicate no earlier lead; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.reached IS
'As leadflow.rollup_campaign_daily.reached: unique leads reached, or gone on to a later stage without a recorded reach; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.potential IS
'As leadflow.rollup_campaign_daily.potential: unique leads that got to stage potential or a later stage; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.hot IS
'As leadflow.rollup_campaign_daily.hot: unique leads that got to stage hot or won; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.won IS
'As leadflow.rollup_campaign_daily.won: unique leads in stage won now; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.unique_wrong_target IS
'As leadflow.rollup_campaign_daily.unique_wrong_target: unique leads closed as wrong_target; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.unique_invalid_contact IS
'As leadflow.rollup_campaign_daily.unique_invalid_contact: unique leads closed as invalid_contact; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.score_sum IS
'As leadflow.rollup_campaign_daily.score_sum: the sum of the leads'' scores (each 0 to 100), to divide by scored for the mean; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.scored IS
'As leadflow.rollup_campaign_daily.scored: leads with a score; 0 on rows from leadflow.campaign_spend.';
COMMENT ON COLUMN leadflow.metric_campaign_input.spend IS
'leadflow.campaign_spend.amount: what the campaign cost on the day, in the company''s currency; NULL on rows from leadflow.rollup_campaign_daily.';

-- The input of the rep and team views: the rep rollup and the escalation
-- rollup, every row once per grain.  The rep rollup is already summed per
-- day and rep, so a rep's day is one row here instead of one per campaign
-- and channel, which is what makes these views cheap (see 82_rollup.sql).
-- The rep view reads its days straight from the rep rollup instead (see
-- there) and this view for weeks and months only.  Internal, like
-- metric_input.
CREATE VIEW leadflow.metric_rep_input AS
	SELECT
		'day'::text AS grain, r.day AS period_start,
		r.rep_id, r.leads::integer AS leads,
		r.responded::integer AS responded,
		r.latency_count::integer AS latency_count,
		r.latency_business_s_sum_float8 AS latency_business_s_sum,
		r.latency_wall_s_sum_float8 AS latency_wall_s_sum,
		r.delay_count::integer AS delay_count,
		r.system_delay_s_sum_float8 AS system_delay_s_sum,
		r.human_delay_s_sum_float8 AS human_delay_s_sum,
		r.sla_met::integer AS sla_met,
		(r.sla_missed + leadflow.list_count_below(r.sla_open_due_s,
			(SELECT pg_catalog.date_part('epoch', pg_catalog.now()))))::integer
			AS sla_missed,
		r.reached_any::integer AS reached_any,
		r.attempts_before_reach_sum::integer AS attempts_before_reach_sum,
		r.won_any::integer AS won_any, r.latencies_business_s,
		r.latencies_wall_s, 0 AS escalations, 0 AS escalations_reassigned,
		0 AS escalations_warn, 0 AS escalations_remind_rep,
		0 AS escalations_alert_manager, 0 AS escalations_reassign
	FROM leadflow.rollup_rep_daily r
	UNION ALL
	SELECT
		'week'::text AS grain,
		pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
		r.rep_id, r.leads::integer AS leads,
		r.responded::integer AS responded,
		r.latency_count::integer AS latency_count,
		r.latency_business_s_sum_float8 AS latency_business_s_sum,
		r.latency_wall_s_sum_float8 AS latency_wall_s_sum,
		r.delay_count::integer AS delay_count,
		r.system_delay_s_sum_float8 AS system_delay_s_sum,
		r.human_delay_s_sum_float8 AS human_delay_s_sum,
		r.sla_met::integer AS sla_met,
		(r.sla_missed + leadflow.list_count_below(r.sla_open_due_s,
			(SELECT pg_catalog.date_part('epoch', pg_catalog.now()))))::integer
			AS sla_missed,
		r.reached_any::integer AS reached_any,
		r.attempts_before_reach_sum::integer AS attempts_before_reach_sum,
		r.won_any::integer AS won_any, r.latencies_business_s,
		r.latencies_wall_s, 0 AS escalations, 0 AS escalations_reassigned,
		0 AS escalations_warn, 0 AS escalations_remind_rep,
		0 AS escalations_alert_manager, 0 AS escalations_reassign
	FROM leadflow.rollup_rep_daily r
	UNION ALL
	SELECT
		'month'::text AS grain,
		pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
		r.rep_id, r.leads::integer AS leads,
		r.responded::integer AS responded,
		r.latency_count::integer AS latency_count,
		r.latency_business_s_sum_float8 AS latency_business_s_sum,
		r.latency_wall_s_sum_float8 AS latency_wall_s_sum,
		r.delay_count::integer AS delay_count,
		r.system_delay_s_sum_float8 AS system_delay_s_sum,
		r.human_delay_s_sum_float8 AS human_delay_s_sum,
		r.sla_met::integer AS sla_met,
		(r.sla_missed + leadflow.list_count_below(r.sla_open_due_s,
			(SELECT pg_catalog.date_part('epoch', pg_catalog.now()))))::integer
			AS sla_missed,
		r.reached_any::integer AS reached_any,
		r.attempts_before_reach_sum::integer AS attempts_before_reach_sum,
		r.won_any::integer AS won_any, r.latencies_business_s,
		r.latencies_wall_s, 0 AS escalations, 0 AS escalations_reassigned,
		0 AS escalations_warn, 0 AS escalations_remind_rep,
		0 AS escalations_alert_manager, 0 AS escalations_reassign
	FROM leadflow.rollup_rep_daily r
	UNION ALL
	SELECT
		'day'::text AS grain, e.day AS period_start,
		e.rep_id, 0 AS leads, 0 AS responded, 0 AS latency_count,
		0::double precision AS latency_business_s_sum,
		0::double precision AS latency_wall_s_sum, 0 AS delay_count,
		0::double precision AS system_delay_s_sum,
		0::double precision AS human_delay_s_sum, 0 AS sla_met,
		0 AS sla_missed, 0 AS reached_any, 0 AS attempts_before_reach_sum,
		0 AS won_any, NULL::double precision[] AS latencies_business_s,
		NULL::double precision[] AS latencies_wall_s,
		e.fired::integer AS escalations,
		e.reassigned::integer AS escalations_reassigned,
		CASE e.action WHEN 'warn' THEN e.fired::integer ELSE 0 END
			AS escalations_warn,
		CASE e.action WHEN 'remind_rep' THEN e.fired::integer ELSE 0 END
			AS escalations_remind_rep,
		CASE e.action WHEN 'alert_manager' THEN e.fired::integer ELSE 0 END
			AS escalations_alert_manager,
		CASE e.action WHEN 'reassign' THEN e.fired::integer ELSE 0 END
			AS escalations_reassign
	FROM leadflow.rollup_escalation_daily e
	UNION ALL
	SELECT
		'week'::text AS grain,
		pg_catalog.date_trunc('week', e.day::timestamp)::date AS period_start,
		e.rep_id, 0 AS leads, 0 AS responded, 0 AS latency_count,
		0::double precision AS latency_business_s_sum,
		0::double precision AS latency_wall_s_sum, 0 AS delay_count,
		0::double precision AS system_delay_s_sum,
		0::double precision AS human_delay_s_sum, 0 AS sla_met,
		0 AS sla_missed, 0 AS reached_any, 0 AS attempts_before_reach_sum,
		0 AS won_any, NULL::double precision[] AS latencies_business_s,
		NULL::double precision[] AS latencies_wall_s,
		e.fired::integer AS escalations,
		e.reassigned::integer AS escalations_reassigned,
		CASE e.action WHEN 'warn' THEN e.fired::integer ELSE 0 END
			AS escalations_warn,
		CASE e.action WHEN 'remind_rep' THEN e.fired::integer ELSE 0 END
			AS escalations_remind_rep,
		CASE e.action WHEN 'alert_manager' THEN e.fired::integer ELSE 0 END
			AS escalations_alert_manager,
		CASE e.action WHEN 'reassign' THEN e.fired::integer ELSE 0 END
			AS escalations_reassign
	FROM leadflow.rollup_escalation_daily e
	UNION ALL
	SELECT
		'month'::text AS grain,
		pg_catalog.date_trunc('month', e.day::timestamp)::date AS period_start,
		e.rep_id, 0 AS leads, 0 AS responded, 0 AS latency_count,
		0::double precision AS latency_business_s_sum,
		0::double precision AS latency_wall_s_sum, 0 AS delay_count,
		0::double precision AS system_delay_s_sum,
		0::double precision AS human_delay_s_sum, 0 AS sla_met,
		0 AS sla_missed, 0 AS reached_any, 0 AS attempts_before_reach_sum,
		0 AS won_any, NULL::double precision[] AS latencies_business_s,
		NULL::double precision[] AS latencies_wall_s,
		e.fired::integer AS escalations,
		e.reassigned::integer AS escalations_reassigned,
		CASE e.action WHEN 'warn' THEN e.fired::integer ELSE 0 END
			AS escalations_warn,
		CASE e.action WHEN 'remind_rep' THEN e.fired::integer ELSE 0 END
			AS escalations_remind_rep,
		CASE e.action WHEN 'alert_manager' THEN e.fired::integer ELSE 0 END
			AS escalations_alert_manager,
		CASE e.action WHEN 'reassign' THEN e.fired::integer ELSE 0 END
			AS escalations_reassign
	FROM leadflow.rollup_escalation_daily e;

COMMENT ON VIEW leadflow.metric_rep_input IS
'Internal input of leadflow.team_responsiveness, and of leadflow.rep_responsiveness for weeks and months: every row of leadflow.rollup_rep_daily and of leadflow.rollup_escalation_daily once per grain (day, week, month) with its period_start, figures absent from a source as 0 or NULL.';
COMMENT ON COLUMN leadflow.metric_rep_input.grain IS
'day, week or month: every row of leadflow.rollup_rep_daily and of leadflow.rollup_escalation_daily appears once under each grain, so a reader filters on one.';
COMMENT ON COLUMN leadflow.metric_rep_input.period_start IS
'The period the row''s day falls in: that day (grain day), the Monday of its ISO week (week) or the first of its month (month).  The day is the day of arrival on rows from leadflow.rollup_rep_daily and the day the step fired on rows from leadflow.rollup_escalation_daily, a local date in the rollups'' time zone (see leadflow.metric_time_zone).';
COMMENT ON COLUMN leadflow.metric_rep_input.rep_id IS
'The rep: who holds the leads now on rows from leadflow.rollup_rep_daily, who held the lead when the step fired on rows from leadflow.rollup_escalation_daily; NULL for leads without a rep.';
COMMENT ON COLUMN leadflow.metric_rep_input.leads IS
'As leadflow.rollup_rep_daily.leads: leads that arrived, duplicates included; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.responded IS
'As leadflow.rollup_rep_daily.responded: leads with a first response; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.latency_count IS
'As leadflow.rollup_rep_daily.latency_count: leads with a response latency in business seconds; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.latency_business_s_sum IS
'leadflow.rollup_rep_daily.latency_business_s_sum_float8: the sum of the response latencies in business seconds, as double precision; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.latency_wall_s_sum IS
'leadflow.rollup_rep_daily.latency_wall_s_sum_float8: the sum of the response latencies in wall-clock seconds, as double precision; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.delay_count IS
'As leadflow.rollup_rep_daily.delay_count: responded leads with an assignment time, whose latency splits into system and human delay; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.system_delay_s_sum IS
'leadflow.rollup_rep_daily.system_delay_s_sum_float8: the sum of the system delays (arrival to assignment, at most to the first response) in wall-clock seconds, as double precision; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.human_delay_s_sum IS
'leadflow.rollup_rep_daily.human_delay_s_sum_float8: the sum of the human delays (assignment, or arrival if later, to the first response) in wall-clock seconds, as double precision; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.sla_met IS
'As leadflow.rollup_rep_daily.sla_met: leads first answered at or before SLA due; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.sla_missed IS
'As leadflow.rollup_rep_daily.sla_missed (answered late, or closed unanswered after SLA due), plus the day''s open unanswered leads whose SLA came due before now (leadflow.rollup_rep_daily.sla_open_due_s); 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.reached_any IS
'As leadflow.rollup_rep_daily.reached_any: leads reached, duplicates included; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.attempts_before_reach_sum IS
'As leadflow.rollup_rep_daily.attempts_before_reach_sum: over the reached leads, the outbound touches up to and including the reaching one; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.won_any IS
'As leadflow.rollup_rep_daily.won_any: leads in stage won, duplicates included; 0 on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.latencies_business_s IS
'As leadflow.rollup_rep_daily.latencies_business_s: every response latency of the row''s leads in business seconds, ascending, which the views merge into exact percentiles; NULL on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.latencies_wall_s IS
'As leadflow.rollup_rep_daily.latencies_wall_s: every response latency of the row''s leads in wall-clock seconds, ascending; NULL on rows from leadflow.rollup_escalation_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.escalations IS
'As leadflow.rollup_escalation_daily.fired: escalation steps fired on the day (one row per step and action) while the rep held the lead; 0 on rows from leadflow.rollup_rep_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.escalations_reassigned IS
'As leadflow.rollup_escalation_daily.reassigned: reassign steps that found a new rep; 0 on rows from leadflow.rollup_rep_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.escalations_warn IS
'escalations when the row''s action is warn (the pre-breach warning), else 0; 0 on rows from leadflow.rollup_rep_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.escalations_remind_rep IS
'escalations when the row''s action is remind_rep, else 0; 0 on rows from leadflow.rollup_rep_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.escalations_alert_manager IS
'escalations when the row''s action is alert_manager, else 0; 0 on rows from leadflow.rollup_rep_daily.';
COMMENT ON COLUMN leadflow.metric_rep_input.escalations_reassign IS
'escalations when the row''s action is reassign, else 0; 0 on rows from leadflow.rollup_rep_daily.';

CREATE VIEW leadflow.campaign_quality AS
SELECT m.grain, m.period_start,
	CASE m.grain WHEN 'day' THEN m.period_start + 1
		WHEN 'week' THEN m.period_start + 7
		ELSE (m.period_start + interval '1 month')::date END AS period_end,
	m.period_start::timestamp AT TIME ZONE (SELECT z.time_zone
		FROM leadflow.metric_time_zone z) AS period_starts_at,
	(SELECT z.time_zone FROM leadflow.metric_time_zone z) AS time_zone,
	m.campaign_id, c.name AS campaign_name, m.channel, m.leads,
	m.unique_leads, m.reached,
	m.reached::float8 / nullif(m.unique_leads, 0) AS reached_share,
	m.wrong_target,
	m.wrong_target::float8 / nullif(m.unique_leads, 0) AS wrong_target_share,
	m.invalid_contact,
	m.invalid_contact::float8 / nullif(m.unique_leads, 0)
		AS invalid_contact_share,
	m.potential,
	m.potential::float8 / nullif(m.unique_leads, 0) AS potential_share,
	m.hot, m.hot::float8 / nullif(m.unique_leads, 0) AS hot_share,
	m.won, m.won::float8 / nullif(m.unique_leads, 0) AS won_share,
	m.spend, round(m.spend / nullif(m.leads, 0), 2) AS cost_per_lead,
	round(m.spend / nullif(m.potential, 0), 2) AS cost_per_potential,
	round(m.spend / nullif(m.won, 0), 2) AS cost_per_won,
	m.score_sum, m.scored,
	m.score_sum::float8 / nullif(m.scored, 0) AS mean_score
FROM (
	-- Grouped by keys without the campaign's name, which is joined
	-- afterwards: fewer and cheaper keys to group by.
	SELECT i.grain, i.period_start, i.campaign_id, i.channel,
		sum(i.leads)::bigint AS leads,
		sum(i.unique_leads)::bigint AS unique_leads,
		sum(i.reached)::bigint AS reached,
		sum(i.unique_wrong_target)::bigint AS wrong_target,
		sum(i.unique_invalid_contact)::bigint AS invalid_contact,
		sum(i.potential)::bigint AS potential,
		sum(i.hot)::bigint AS hot, sum(i.won)::bigint AS won,
		sum(i.spend) AS spend, sum(i.score_sum)::bigint AS score_sum,
		sum(i.scored)::bigint AS scored
	FROM leadflow.metric_campaign_input i
	GROUP BY i.grain, i.period_start, i.campaign_id, i.channel) m
LEFT JOIN leadflow.campaign c ON c.campaign_id = m.campaign_id;

CREATE VIEW leadflow.rep_responsiveness AS
SELECT a.grain, a.period_start,
	CASE a.grain WHEN 'day' THEN a.period_start + 1
		WHEN 'week' THEN a.period_start + 7
		ELSE (a.period_start + interval '1 month')::date END AS period_end,
	a.period_start::timestamp AT TIME ZONE (SELECT z.time_zone
		FROM leadflow.metric_time_zone z) AS period_starts_at,
	(SELECT z.time_zone FROM leadflow.metric_time_zone z) AS time_zone,
	a.rep_id, p.name AS rep_name, p.team_id,
	a.leads_assigned, a.responded, a.responded_share, a.latency_count,
	a.latency_business_median_s, a.latency_business_p90_s,
	a.latency_business_mean_s, a.latency_business_s_sum,
	a.latency_wall_median_s, a.latency_wall_p90_s, a.latency_wall_mean_s,
	a.latency_wall_s_sum, a.delay_count, a.system_delay_mean_s,
	a.human_delay_mean_s, a.system_delay_s_sum, a.human_delay_s_sum,
	a.sla_met, a.sla_missed, a.sla_judged, a.sla_met_share, a.escalations,
	a.escalations_warn, a.escalations_remind_rep,
	a.escalations_alert_manager, a.escalations_reassign,
	a.escalations_reassigned, a.reached, a.reached_share,
	a.attempts_before_reach_sum, a.attempts_before_reach_mean, a.won,
	a.won_share
FROM (
	-- A rep's day is one row of the rep rollup, its escalations and
	-- percentiles included: no join and no grouping, which keeps a query
	-- over many days as cheap as reading their rows.
	SELECT 'day'::text AS grain, r.day AS period_start, r.rep_id,
	r.leads AS leads_assigned, r.responded, r.responded_share,
	r.latency_count, r.latency_business_median_s, r.latency_business_p90_s,
	r.latency_business_mean_s,
	r.latency_business_s_sum_float8 AS latency_business_s_sum,
	r.latency_wall_median_s, r.latency_wall_p90_s, r.latency_wall_mean_s,
	r.latency_wall_s_sum_float8 AS latency_wall_s_sum, r.delay_count,
	r.system_delay_mean_s, r.human_delay_mean_s,
	r.system_delay_s_sum_float8 AS system_delay_s_sum,
	r.human_delay_s_sum_float8 AS human_delay_s_sum,
	r.sla_met, r.sla_missed + o.overdue AS sla_missed,
	r.sla_met + r.sla_missed + o.overdue AS sla_judged,
	r.sla_met::float8 / nullif(r.sla_met + r.sla_missed + o.overdue, 0)
		AS sla_met_share, r.escalations, r.escalations_warn,
	r.escalations_remind_rep, r.escalations_alert_manager,
	r.escalations_reassign, r.escalations_reassigned, r.reached_any AS reached,
	r.reached_share, r.attempts_before_reach_sum,
	r.attempts_before_reach_mean, r.won_any AS won, r.won_share
	FROM leadflow.rollup_rep_daily r
	-- Open leads of the day still unanswered whose SLA came due before
	-- now: missed, although nothing was written when their time ran out.
	CROSS JOIN LATERAL (SELECT leadflow.list_count_below(r.sla_open_due_s,
		(SELECT pg_catalog.date_part('epoch', pg_catalog.now()))) AS overdue) o
	UNION ALL
	-- Days on which leads a rep held escalated but none of the rep's
	-- leads arrived: the rep rollup has no row for them.
	SELECT 'day'::text, e.day, e.rep_id, 0, 0, NULL, 0, NULL, NULL, NULL,
	0, NULL, NULL, NULL, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, NULL,
	sum(e.fired)::bigint,
	coalesce(sum(e.fired) FILTER (WHERE e.action = 'warn'), 0)::bigint,
	coalesce(sum(e.fired) FILTER (WHERE e.action = 'remind_rep'), 0)::bigint,
	coalesce(sum(e.fired) FILTER (WHERE e.action = 'alert_manager'),
		0)::bigint,
	coalesce(sum(e.fired) FILTER (WHERE e.action = 'reassign'), 0)::bigint,
	sum(e.reassigned)::bigint, 0, NULL, 0, NULL, 0, NULL
	FROM leadflow.rollup_escalation_daily e
	WHERE NOT EXISTS (SELECT 1 FROM leadflow.rollup_rep_daily r
		WHERE r.day = e.day AND r.rep_id = e.rep_id)
	  AND NOT (e.rep_id IS NULL AND EXISTS (
		SELECT 1 FROM leadflow.rollup_rep_daily r
		WHERE r.day = e.day AND r.rep_id IS NULL))
	GROUP BY e.day, e.rep_id
	UNION ALL
	-- Weeks and months merge the lists of their days.
	SELECT m.grain, m.period_start, m.rep_id,
	sum(m.leads)::bigint AS leads_assigned,
	sum(m.responded)::bigint AS responded,
	sum(m.responded)::float8 / nullif(sum(m.leads), 0) AS responded_share,
	sum(m.latency_count)::bigint AS latency_count,
	(leadflow.merged_percentiles(m.latencies_business_s, '{0.5,0.9}'))[1]
		AS latency_business_median_s,
	(leadflow.merged_percentiles(m.latencies_business_s, '{0.5,0.9}'))[2]
		AS latency_business_p90_s,
	(sum(m.latency_business_s_sum) / nullif(sum(m.latency_count), 0))::float8
		AS latency_business_mean_s,
	sum(m.latency_business_s_sum) AS latency_business_s_sum,
	(leadflow.merged_percentiles(m.latencies_wall_s, '{0.5,0.9}'))[1]
		AS latency_wall_median_s,
	(leadflow.merged_percentiles(m.latencies_wall_s, '{0.5,0.9}'))[2]
		AS latency_wall_p90_s,
	(sum(m.latency_wall_s_sum) / nullif(sum(m.responded), 0))::float8
		AS latency_wall_mean_s,
	sum(m.latency_wall_s_sum) AS latency_wall_s_sum,
	sum(m.delay_count)::bigint AS delay_count,
	(sum(m.system_delay_s_sum) / nullif(sum(m.delay_count), 0))::float8
		AS system_delay_mean_s,
	(sum(m.human_delay_s_sum) / nullif(sum(m.delay_count), 0))::float8
		AS human_delay_mean_s,
	sum(m.system_delay_s_sum) AS system_delay_s_sum,
	sum(m.human_delay_s_sum) AS human_delay_s_sum,
	sum(m.sla_met)::bigint AS sla_met,
	sum(m.sla_missed)::bigint AS sla_missed,
	(sum(m.sla_met) + sum(m.sla_missed))::bigint AS sla_judged,
	sum(m.sla_met)::float8 / nullif(sum(m.sla_met) + sum(m.sla_missed), 0)
		AS sla_met_share,
	sum(m.escalations)::bigint AS escalations,
	sum(m.escalations_warn)::bigint AS escalations_warn,
	sum(m.escalations_remind_rep)::bigint AS escalations_remind_rep,
	sum(m.escalations_alert_manager)::bigint AS escalations_alert_manager,
	sum(m.escalations_reassign)::bigint AS escalations_reassign,
	sum(m.escalations_reassigned)::bigint AS escalations_reassigned,
	sum(m.reached_any)::bigint AS reached,
	sum(m.reached_any)::float8 / nullif(sum(m.leads), 0) AS reached_share,
	sum(m.attempts_before_reach_sum)::bigint AS attempts_before_reach_sum,
	sum(m.attempts_before_reach_sum)::float8 / nullif(sum(m.reached_any), 0)
		AS attempts_before_reach_mean,
	sum(m.won_any)::bigint AS won,
	sum(m.won_any)::float8 / nullif(sum(m.leads), 0) AS won_share
	-- Read in group order, which the rollups' indexes on (week, rep) and
	-- (month, rep) give without a sort: a week holds every latency of its
	-- days, more than work_mem holds for hashing all of a quarter's groups.
	FROM (SELECT * FROM leadflow.metric_rep_input
		ORDER BY grain, period_start, rep_id) m
	WHERE m.grain <> 'day'
	GROUP BY m.grain, m.period_start, m.rep_id) a
LEFT JOIN leadflow.rep p ON p.rep_id = a.rep_id;

CREATE VIEW leadflow.team_responsiveness AS
SELECT a.grain, a.period_start,
	CASE a.grain WHEN 'day' THEN a.period_start + 1
		WHEN 'week' THEN a.period_start + 7
		ELSE (a.period_start + interval '1 month')::date END AS period_end,
	a.period_start::timestamp AT TIME ZONE (SELECT z.time_zone
		FROM leadflow.metric_time_zone z) AS period_starts_at,
	(SELECT z.time_zone FROM leadflow.metric_time_zone z) AS time_zone,
	a.team_id, t.name AS team_name,
	a.leads_assigned, a.responded, a.responded_share, a.latency_count,
	a.latency_business_median_s, a.latency_business_p90_s,
	a.latency_business_mean_s, a.latency_business_s_sum,
	a.latency_wall_median_s, a.latency_wall_p90_s, a.latency_wall_mean_s,
	a.latency_wall_s_sum, a.delay_count, a.system_delay_mean_s,
	a.human_delay_mean_s, a.system_delay_s_sum, a.human_delay_s_sum,
	a.sla_met, a.sla_missed, a.sla_judged, a.sla_met_share, a.escalations,
	a.escalations_warn, a.escalations_remind_rep,
	a.escalations_alert_manager, a.escalations_reassign,
	a.escalations_reassigned, a.reached, a.reached_share,
	a.attempts_before_reach_sum, a.attempts_before_reach_mean, a.won,
	a.won_share
FROM (
	SELECT m.grain, m.period_start, p.team_id,
	sum(m.leads)::bigint AS leads_assigned,
	sum(m.responded)::bigint AS responded,
	sum(m.responded)::float8 / nullif(sum(m.leads), 0) AS responded_share,
	sum(m.latency_count)::bigint AS latency_count,
	(leadflow.merged_percentiles(m.latencies_business_s, '{0.5,0.9}'))[1]
		AS latency_business_median_s,
	(leadflow.merged_percentiles(m.latencies_business_s, '{0.5,0.9}'))[2]
		AS latency_business_p90_s,
	(sum(m.latency_business_s_sum) / nullif(sum(m.latency_count), 0))::float8
		AS latency_business_mean_s,
	sum(m.latency_business_s_sum) AS latency_business_s_sum,
	(leadflow.merged_percentiles(m.latencies_wall_s, '{0.5,0.9}'))[1]
		AS latency_wall_median_s,
	(leadflow.merged_percentiles(m.latencies_wall_s, '{0.5,0.9}'))[2]
		AS latency_wall_p90_s,
	(sum(m.latency_wall_s_sum) / nullif(sum(m.responded), 0))::float8
		AS latency_wall_mean_s,
	sum(m.latency_wall_s_sum) AS latency_wall_s_sum,
	sum(m.delay_count)::bigint AS delay_count,
	(sum(m.system_delay_s_sum) / nullif(sum(m.delay_count), 0))::float8
		AS system_delay_mean_s,
	(sum(m.human_delay_s_sum) / nullif(sum(m.delay_count), 0))::float8
		AS human_delay_mean_s,
	sum(m.system_delay_s_sum) AS system_delay_s_sum,
	sum(m.human_delay_s_sum) AS human_delay_s_sum,
	sum(m.sla_met)::bigint AS sla_met,
	sum(m.sla_missed)::bigint AS sla_missed,
	(sum(m.sla_met) + sum(m.sla_missed))::bigint AS sla_judged,
	sum(m.sla_met)::float8 / nullif(sum(m.sla_met) + sum(m.sla_missed), 0)
		AS sla_met_share,
	sum(m.escalations)::bigint AS escalations,
	sum(m.escalations_warn)::bigint AS escalations_warn,
	sum(m.escalations_remind_rep)::bigint AS escalations_remind_rep,
	sum(m.escalations_alert_manager)::bigint AS escalations_alert_manager,
	sum(m.escalations_reassign)::bigint AS escalations_reassign,
	sum(m.escalations_reassigned)::bigint AS escalations_reassigned,
	sum(m.reached_any)::bigint AS reached,
	sum(m.reached_any)::float8 / nullif(sum(m.leads), 0) AS reached_share,
	sum(m.attempts_before_reach_sum)::bigint AS attempts_before_reach_sum,
	sum(m.attempts_before_reach_sum)::float8 / nullif(sum(m.reached_any), 0)
		AS attempts_before_reach_mean,
	sum(m.won_any)::bigint AS won,
	sum(m.won_any)::float8 / nullif(sum(m.leads), 0) AS won_share
	FROM leadflow.metric_rep_input m
	LEFT JOIN leadflow.rep p ON p.rep_id = m.rep_id
	GROUP BY m.grain, m.period_start, p.team_id) a
LEFT JOIN leadflow.team t ON t.team_id = a.team_id;

CREATE VIEW leadflow.funnel AS
SELECT m.grain, m.period_start,
	CASE m.grain WHEN 'day' THEN m.period_start + 1
		WHEN 'week' THEN m.period_start + 7
		ELSE (m.period_start + interval '1 month')::date END AS period_end,
	m.period_start::timestamp AT TIME ZONE (SELECT z.time_zone
		FROM leadflow.metric_time_zone z) AS period_starts_at,
	(SELECT z.time_zone FROM leadflow.metric_time_zone z) AS time_zone,
	m.channel,
	sum(m.unique_leads)::bigint AS unique_leads,
	sum(m.attempting)::bigint AS attempting,
	sum(m.reached)::bigint AS reached,
	sum(m.potential)::bigint AS potential,
	sum(m.hot)::bigint AS hot,
	sum(m.won)::bigint AS won,
	(leadflow.merged_percentiles(m.stage_new_attempting_s, '{0.5}'))[1]
		AS new_to_attempting_median_s,
	(leadflow.merged_percentiles(m.stage_attempting_reached_s, '{0.5}'))[1]
		AS attempting_to_reached_median_s,
	(leadflow.merged_percentiles(m.stage_reached_potential_s, '{0.5}'))[1]
		AS reached_to_potential_median_s,
	(leadflow.merged_percentiles(m.stage_potential_hot_s, '{0.5}'))[1]
		AS potential_to_hot_median_s,
	(leadflow.merged_percentiles(m.stage_hot_won_s, '{0.5}'))[1]
		AS hot_to_won_median_s
FROM leadflow.metric_input m
GROUP BY m.grain, m.period_start, m.channel;

COMMENT ON VIEW leadflow.campaign_quality IS
'Lead quality per campaign and channel of arrival and period of arrival (day, ISO week, month; see grain), from the rollups the worker keeps (fresh as of the last refresh).  Every share is a column divided by unique_leads; re-aggregate by summing the count columns, never the shares.  Spend is a campaign''s daily spend on the row of the campaign''s own channel; leads without a campaign have campaign_id NULL.  No contact details.';
COMMENT ON COLUMN leadflow.campaign_quality.grain IS
'day, week (ISO, starting Monday) or month: always filter on one grain, or figures count three times.';
COMMENT ON COLUMN leadflow.campaign_quality.period_start IS
'First local date of the period of arrival, in the rollups'' time zone (leadflow.rollup_state.time_zone, which follows leadflow.rollup_time_zone).';
COMMENT ON COLUMN leadflow.campaign_quality.period_end IS
'First local date after the period (exclusive).';
COMMENT ON COLUMN leadflow.campaign_quality.period_starts_at IS
'The instant the period starts: period_start at midnight in time_zone.';
COMMENT ON COLUMN leadflow.campaign_quality.time_zone IS
'The IANA time zone the periods are cut in: the rollups'' zone.';
COMMENT ON COLUMN leadflow.campaign_quality.campaign_id IS
'The campaign; NULL for leads without one.';
COMMENT ON COLUMN leadflow.campaign_quality.campaign_name IS
'The campaign''s name.';
COMMENT ON COLUMN leadflow.campaign_quality.channel IS
'The lead''s channel (source); spend rows carry the campaign''s channel.';
COMMENT ON COLUMN leadflow.campaign_quality.leads IS
'Leads that arrived in the period, duplicates included.';
COMMENT ON COLUMN leadflow.campaign_quality.unique_leads IS
'Leads that duplicate no earlier lead: the denominator of every share here.';
COMMENT ON COLUMN leadflow.campaign_quality.reached IS
'Unique leads reached (a touch with a reach outcome), counting those that went on to potential, hot or won without one, as potential counts those beyond it.';
COMMENT ON COLUMN leadflow.campaign_quality.reached_share IS
'reached / unique_leads (0 to 1).';
COMMENT ON COLUMN leadflow.campaign_quality.wrong_target IS
'Unique leads closed as wrong_target.';
COMMENT ON COLUMN leadflow.campaign_quality.wrong_target_share IS
'wrong_target / unique_leads.';
COMMENT ON COLUMN leadflow.campaign_quality.invalid_contact IS
'Unique leads closed as invalid_contact.';
COMMENT ON COLUMN leadflow.campaign_quality.invalid_contact_share IS
'invalid_contact / unique_leads.';
COMMENT ON COLUMN leadflow.campaign_quality.potential IS
'Unique leads that got to stage potential or beyond.';
COMMENT ON COLUMN leadflow.campaign_quality.potential_share IS
'potential / unique_leads.';
COMMENT ON COLUMN leadflow.campaign_quality.hot IS
'Unique leads that got to stage hot or beyond.';
COMMENT ON COLUMN leadflow.campaign_quality.hot_share IS
'hot / unique_leads.';
COMMENT ON COLUMN leadflow.campaign_quality.won IS
'Unique leads now won.';
COMMENT ON COLUMN leadflow.campaign_quality.won_share IS
'won / unique_leads.';
COMMENT ON COLUMN leadflow.campaign_quality.spend IS
'Sum of leadflow.campaign_spend.amount over the period''s days (spent_on read as a local date in time_zone), in the company''s currency.  It sits on the row of the campaign''s own channel; NULL on a row with no spend recorded (another channel''s leads of the campaign, no campaign, or no spend row), so that NULL means unknown and 0 means a recorded zero.';
COMMENT ON COLUMN leadflow.campaign_quality.cost_per_lead IS
'spend / leads, rounded to cents; NULL without leads or without spend.  For a campaign over all its channels, sum spend and leads over its rows and divide.';
COMMENT ON COLUMN leadflow.campaign_quality.cost_per_potential IS
'spend / potential, rounded to cents; NULL without potential leads or without spend.';
COMMENT ON COLUMN leadflow.campaign_quality.cost_per_won IS
'spend / won, rounded to cents; NULL without won leads or without spend.';
COMMENT ON COLUMN leadflow.campaign_quality.score_sum IS
'Sum of the leads'' scores (all leads).';
COMMENT ON COLUMN leadflow.campaign_quality.scored IS
'Leads with a score.';
COMMENT ON COLUMN leadflow.campaign_quality.mean_score IS
'score_sum / scored: mean lead-quality score, 0 to 100.';
COMMENT ON VIEW leadflow.rep_responsiveness IS
'How fast and how well each rep works leads, per period of arrival (day, ISO week, month; see grain), from the rollups the worker keeps.  Leads count for the rep who holds them now; escalations count by the day they fired for the rep who held the lead then.  Shares come with numerator and denominator columns; medians and percentiles are exact over the whole period but cannot be re-aggregated across rows.';
COMMENT ON COLUMN leadflow.rep_responsiveness.grain IS
'day, week (ISO, starting Monday) or month: always filter on one grain, or figures count three times.';
COMMENT ON COLUMN leadflow.rep_responsiveness.period_start IS
'First local date of the period of arrival, in the rollups'' time zone (leadflow.rollup_state.time_zone, which follows leadflow.rollup_time_zone).';
COMMENT ON COLUMN leadflow.rep_responsiveness.period_end IS
'First local date after the period (exclusive).';
COMMENT ON COLUMN leadflow.rep_responsiveness.period_starts_at IS
'The instant the period starts: period_start at midnight in time_zone.';
COMMENT ON COLUMN leadflow.rep_responsiveness.time_zone IS
'The IANA time zone the periods are cut in: the rollups'' zone.';
COMMENT ON COLUMN leadflow.rep_responsiveness.leads_assigned IS
'Leads that arrived in the period and are held now by the rep (team): the denominator of responded_share, reached_share and won_share.';
COMMENT ON COLUMN leadflow.rep_responsiveness.responded IS
'Of those, leads with a first response.';
COMMENT ON COLUMN leadflow.rep_responsiveness.responded_share IS
'responded / leads_assigned.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_count IS
'Leads with a response latency in business seconds: the population of the business-time percentiles.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_business_median_s IS
'Exact median of the response latencies in business seconds (on each lead''s policy calendar), merged from the daily lists; NULL without latencies.  Not additive: never average it across rows.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_business_p90_s IS
'Exact 90th percentile of the response latencies in business seconds (percentile_cont).';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_business_mean_s IS
'latency_business_s_sum / latency_count.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_business_s_sum IS
'Sum of the business-second latencies.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_wall_median_s IS
'Exact median of the response latencies in wall-clock seconds.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_wall_p90_s IS
'Exact 90th percentile of the wall-clock latencies.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_wall_mean_s IS
'latency_wall_s_sum / responded.';
COMMENT ON COLUMN leadflow.rep_responsiveness.latency_wall_s_sum IS
'Sum of the wall-clock latencies in seconds.';
COMMENT ON COLUMN leadflow.rep_responsiveness.delay_count IS
'Responded leads with an assignment time: the population of the delay means.';
COMMENT ON COLUMN leadflow.rep_responsiveness.system_delay_mean_s IS
'system_delay_s_sum / delay_count: mean wall seconds from arrival to assignment to the current rep (routing and reassignment), capped at the first response.';
COMMENT ON COLUMN leadflow.rep_responsiveness.human_delay_mean_s IS
'human_delay_s_sum / delay_count: mean wall seconds from assignment (or arrival, when later) to the first response.';
COMMENT ON COLUMN leadflow.rep_responsiveness.system_delay_s_sum IS
'Sum of the system delays in wall seconds.';
COMMENT ON COLUMN leadflow.rep_responsiveness.human_delay_s_sum IS
'Sum of the human delays in wall seconds.';
COMMENT ON COLUMN leadflow.rep_responsiveness.sla_met IS
'Leads whose first response came at or before SLA due.';
COMMENT ON COLUMN leadflow.rep_responsiveness.sla_missed IS
'Leads that missed their SLA: first answered after SLA due, closed (won, lost or disqualified) unanswered after it, or open, unanswered and past due now.  Open unanswered leads not yet due are in neither sla_met nor sla_missed.';
COMMENT ON COLUMN leadflow.rep_responsiveness.sla_judged IS
'sla_met + sla_missed: the denominator of sla_met_share.';
COMMENT ON COLUMN leadflow.rep_responsiveness.sla_met_share IS
'sla_met / sla_judged.';
COMMENT ON COLUMN leadflow.rep_responsiveness.escalations IS
'Escalation steps fired in the period (by the day they fired, not by arrival) while the rep (a rep of the team) held the lead.';
COMMENT ON COLUMN leadflow.rep_responsiveness.escalations_warn IS
'Of those, pre-breach warnings (step 0).';
COMMENT ON COLUMN leadflow.rep_responsiveness.escalations_remind_rep IS
'Of those, remind_rep steps.';
COMMENT ON COLUMN leadflow.rep_responsiveness.escalations_alert_manager IS
'Of those, alert_manager steps.';
COMMENT ON COLUMN leadflow.rep_responsiveness.escalations_reassign IS
'Of those, reassign steps.';
COMMENT ON COLUMN leadflow.rep_responsiveness.escalations_reassigned IS
'Reassign steps that found a new rep.';
COMMENT ON COLUMN leadflow.rep_responsiveness.reached IS
'Leads reached, duplicates included.';
COMMENT ON COLUMN leadflow.rep_responsiveness.reached_share IS
'reached / leads_assigned.';
COMMENT ON COLUMN leadflow.rep_responsiveness.attempts_before_reach_sum IS
'Sum over reached leads of the outbound touches up to and including the reaching one.';
COMMENT ON COLUMN leadflow.rep_responsiveness.attempts_before_reach_mean IS
'attempts_before_reach_sum / reached: mean attempts before reach.';
COMMENT ON COLUMN leadflow.rep_responsiveness.won IS
'Leads now won, duplicates included.';
COMMENT ON COLUMN leadflow.rep_responsiveness.won_share IS
'won / leads_assigned.';
COMMENT ON COLUMN leadflow.rep_responsiveness.rep_id IS
'The rep who holds the leads now (escalations: who held the lead when the step fired); NULL for leads without a rep.';
COMMENT ON COLUMN leadflow.rep_responsiveness.rep_name IS
'The rep''s name.';
COMMENT ON COLUMN leadflow.rep_responsiveness.team_id IS
'The rep''s team now.';
COMMENT ON VIEW leadflow.team_responsiveness IS
'The figures of leadflow.rep_responsiveness per team (the reps'' current team), with medians and percentiles exact over all the team''s leads, not averaged over reps.';
COMMENT ON COLUMN leadflow.team_responsiveness.grain IS
'day, week (ISO, starting Monday) or month: always filter on one grain, or figures count three times.';
COMMENT ON COLUMN leadflow.team_responsiveness.period_start IS
'First local date of the period of arrival, in the rollups'' time zone (leadflow.rollup_state.time_zone, which follows leadflow.rollup_time_zone).';
COMMENT ON COLUMN leadflow.team_responsiveness.period_end IS
'First local date after the period (exclusive).';
COMMENT ON COLUMN leadflow.team_responsiveness.period_starts_at IS
'The instant the period starts: period_start at midnight in time_zone.';
COMMENT ON COLUMN leadflow.team_responsiveness.time_zone IS
'The IANA time zone the periods are cut in: the rollups'' zone.';
COMMENT ON COLUMN leadflow.team_responsiveness.leads_assigned IS
'Leads that arrived in the period and are held now by the rep (team): the denominator of responded_share, reached_share and won_share.';
COMMENT ON COLUMN leadflow.team_responsiveness.responded IS
'Of those, leads with a first response.';
COMMENT ON COLUMN leadflow.team_responsiveness.responded_share IS
'responded / leads_assigned.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_count IS
'Leads with a response latency in business seconds: the population of the business-time percentiles.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_business_median_s IS
'Exact median of the response latencies in business seconds (on each lead''s policy calendar), merged from the daily lists; NULL without latencies.  Not additive: never average it across rows.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_business_p90_s IS
'Exact 90th percentile of the response latencies in business seconds (percentile_cont).';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_business_mean_s IS
'latency_business_s_sum / latency_count.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_business_s_sum IS
'Sum of the business-second latencies.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_wall_median_s IS
'Exact median of the response latencies in wall-clock seconds.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_wall_p90_s IS
'Exact 90th percentile of the wall-clock latencies.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_wall_mean_s IS
'latency_wall_s_sum / responded.';
COMMENT ON COLUMN leadflow.team_responsiveness.latency_wall_s_sum IS
'Sum of the wall-clock latencies in seconds.';
COMMENT ON COLUMN leadflow.team_responsiveness.delay_count IS
'Responded leads with an assignment time: the population of the delay means.';
COMMENT ON COLUMN leadflow.team_responsiveness.system_delay_mean_s IS
'system_delay_s_sum / delay_count: mean wall seconds from arrival to assignment to the current rep (routing and reassignment), capped at the first response.';
COMMENT ON COLUMN leadflow.team_responsiveness.human_delay_mean_s IS
'human_delay_s_sum / delay_count: mean wall seconds from assignment (or arrival, when later) to the first response.';
COMMENT ON COLUMN leadflow.team_responsiveness.system_delay_s_sum IS
'Sum of the system delays in wall seconds.';
COMMENT ON COLUMN leadflow.team_responsiveness.human_delay_s_sum IS
'Sum of the human delays in wall seconds.';
COMMENT ON COLUMN leadflow.team_responsiveness.sla_met IS
'Leads whose first response came at or before SLA due.';
COMMENT ON COLUMN leadflow.team_responsiveness.sla_missed IS
'Leads that missed their SLA: first answered after SLA due, closed (won, lost or disqualified) unanswered after it, or open, unanswered and past due now.  Open unanswered leads not yet due are in neither sla_met nor sla_missed.';
COMMENT ON COLUMN leadflow.team_responsiveness.sla_judged IS
'sla_met + sla_missed: the denominator of sla_met_share.';
COMMENT ON COLUMN leadflow.team_responsiveness.sla_met_share IS
'sla_met / sla_judged.';
COMMENT ON COLUMN leadflow.team_responsiveness.escalations IS
'Escalation steps fired in the period (by the day they fired, not by arrival) while the rep (a rep of the team) held the lead.';
COMMENT ON COLUMN leadflow.team_responsiveness.escalations_warn IS
'Of those, pre-breach warnings (step 0).';
COMMENT ON COLUMN leadflow.team_responsiveness.escalations_remind_rep IS
'Of those, remind_rep steps.';
COMMENT ON COLUMN leadflow.team_responsiveness.escalations_alert_manager IS
'Of those, alert_manager steps.';
COMMENT ON COLUMN leadflow.team_responsiveness.escalations_reassign IS
'Of those, reassign steps.';
COMMENT ON COLUMN leadflow.team_responsiveness.escalations_reassigned IS
'Reassign steps that found a new rep.';
COMMENT ON COLUMN leadflow.team_responsiveness.reached IS
'Leads reached, duplicates included.';
COMMENT ON COLUMN leadflow.team_responsiveness.reached_share IS
'reached / leads_assigned.';
COMMENT ON COLUMN leadflow.team_responsiveness.attempts_before_reach_sum IS
'Sum over reached leads of the outbound touches up to and including the reaching one.';
COMMENT ON COLUMN leadflow.team_responsiveness.attempts_before_reach_mean IS
'attempts_before_reach_sum / reached: mean attempts before reach.';
COMMENT ON COLUMN leadflow.team_responsiveness.won IS
'Leads now won, duplicates included.';
COMMENT ON COLUMN leadflow.team_responsiveness.won_share IS
'won / leads_assigned.';
COMMENT ON COLUMN leadflow.team_responsiveness.team_id IS
'The team of the rep who holds the leads, by the rep''s team now; NULL for leads without a rep or with a rep without a team.';
COMMENT ON COLUMN leadflow.team_responsiveness.team_name IS
'The team''s name.';
COMMENT ON VIEW leadflow.funnel IS
'How far unique leads got, per channel and period of arrival (day, ISO week, month; see grain): counts per stage reached (a stage counts leads that got to it or beyond) and exact medians of the time between consecutive stages, from the rollups the worker keeps.';
COMMENT ON COLUMN leadflow.funnel.grain IS
'day, week (ISO, starting Monday) or month: always filter on one grain, or figures count three times.';
COMMENT ON COLUMN leadflow.funnel.period_start IS
'First local date of the period of arrival, in the rollups'' time zone (leadflow.rollup_state.time_zone, which follows leadflow.rollup_time_zone).';
COMMENT ON COLUMN leadflow.funnel.period_end IS
'First local date after the period (exclusive).';
COMMENT ON COLUMN leadflow.funnel.period_starts_at IS
'The instant the period starts: period_start at midnight in time_zone.';
COMMENT ON COLUMN leadflow.funnel.time_zone IS
'The IANA time zone the periods are cut in: the rollups'' zone.';
COMMENT ON COLUMN leadflow.funnel.channel IS
'The lead''s channel (source).';
COMMENT ON COLUMN leadflow.funnel.unique_leads IS
'Unique leads that arrived (stage new or beyond).';
COMMENT ON COLUMN leadflow.funnel.attempting IS
'Unique leads that got an attempt or a later stage.';
COMMENT ON COLUMN leadflow.funnel.reached IS
'Unique leads that got to reached or beyond (potential, hot, won), recorded reach or not.';
COMMENT ON COLUMN leadflow.funnel.potential IS
'Unique leads that got to potential or beyond.';
COMMENT ON COLUMN leadflow.funnel.hot IS
'Unique leads that got to hot or beyond.';
COMMENT ON COLUMN leadflow.funnel.won IS
'Unique leads now won.';
COMMENT ON COLUMN leadflow.funnel.new_to_attempting_median_s IS
'Exact median wall seconds from arrival to the first attempt, over unique leads with an attempt.';
COMMENT ON COLUMN leadflow.funnel.attempting_to_reached_median_s IS
'Exact median wall seconds from the first attempt to reach.';
COMMENT ON COLUMN leadflow.funnel.reached_to_potential_median_s IS
'Exact median wall seconds from reach to stage potential.';
COMMENT ON COLUMN leadflow.funnel.potential_to_hot_median_s IS
'Exact median wall seconds from potential to hot.';
COMMENT ON COLUMN leadflow.funnel.hot_to_won_median_s IS
'Exact median wall seconds from hot to won.';

-- Open leads nobody has answered and whose SLA due has passed, for a wall
-- display: read live from the leads through the partial index the
-- escalation scan uses, so its cost follows the number of such leads.
CREATE VIEW leadflow.sla_breaches_now WITH (security_barrier) AS
SELECT l.lead_id, l.received_at, l.campaign_id, l.channel, l.policy_id,
	l.rep_id, p.name AS rep_name, p.team_id, p.manager_id,
	l.sla_due_at,
	extract(epoch FROM pg_catalog.now() - l.sla_due_at)::float8 AS late_s,
	CASE WHEN sp.calendar_id IS NOT NULL THEN
		leadflow.business_seconds(sp.calendar_id, l.sla_due_at,
								  pg_catalog.now()) END AS late_business_s,
	coalesce(e.step, -1)::smallint AS last_step, e.action AS last_action,
	e.fired_at AS last_step_at, l.paused_until, l.stage, l.score
FROM leadflow.lead l
LEFT JOIN leadflow.sla_policy sp ON sp.policy_id = l.policy_id
LEFT JOIN leadflow.rep p ON p.rep_id = l.rep_id
LEFT JOIN LATERAL (
	SELECT x.step, x.action, x.fired_at FROM leadflow.escalation x
	WHERE x.lead_id = l.lead_id ORDER BY x.step DESC LIMIT 1) e ON true
WHERE l.first_response_at IS NULL
  AND l.stage NOT IN ('won', 'lost', 'disqualified')
  AND l.sla_due_at < pg_catalog.now();

COMMENT ON VIEW leadflow.sla_breaches_now IS
'Open leads past SLA due with no first response, now (live from the leads, not the rollups): who holds each, how late it is and the last escalation step fired.  No contact details.';
COMMENT ON COLUMN leadflow.sla_breaches_now.lead_id IS 'The lead.';
COMMENT ON COLUMN leadflow.sla_breaches_now.received_at IS 'When the lead arrived.';
COMMENT ON COLUMN leadflow.sla_breaches_now.campaign_id IS 'The lead''s campaign.';
COMMENT ON COLUMN leadflow.sla_breaches_now.channel IS 'The lead''s channel (source).';
COMMENT ON COLUMN leadflow.sla_breaches_now.policy_id IS 'The SLA policy that applies.';
COMMENT ON COLUMN leadflow.sla_breaches_now.rep_id IS 'The rep who holds the lead now; NULL when nobody does.';
COMMENT ON COLUMN leadflow.sla_breaches_now.rep_name IS 'The rep''s name.';
COMMENT ON COLUMN leadflow.sla_breaches_now.team_id IS 'The rep''s team.';
COMMENT ON COLUMN leadflow.sla_breaches_now.manager_id IS 'The rep''s manager.';
COMMENT ON COLUMN leadflow.sla_breaches_now.sla_due_at IS 'When the first response was due.';
COMMENT ON COLUMN leadflow.sla_breaches_now.late_s IS 'Wall-clock seconds since SLA due.';
COMMENT ON COLUMN leadflow.sla_breaches_now.late_business_s IS 'Business seconds since SLA due on the policy''s calendar.';
COMMENT ON COLUMN leadflow.sla_breaches_now.last_step IS 'The highest escalation step fired for the lead (0 the pre-breach warning); -1 when none has fired yet.';
COMMENT ON COLUMN leadflow.sla_breaches_now.last_action IS 'That step''s action: warn, remind_rep, alert_manager or reassign.';
COMMENT ON COLUMN leadflow.sla_breaches_now.last_step_at IS 'When that step fired.';
COMMENT ON COLUMN leadflow.sla_breaches_now.paused_until IS 'A scheduled call-back time until which escalations wait.';
COMMENT ON COLUMN leadflow.sla_breaches_now.stage IS 'The lead''s stage: new, attempting, reached, potential or hot.';
COMMENT ON COLUMN leadflow.sla_breaches_now.score IS 'Lead-quality score, 0 to 100.';
