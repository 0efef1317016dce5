-- sql/0.1.0/82_rollup.sql: daily metric rollups, kept up to date
-- incrementally by the refresh job from the buckets that triggers mark.

CREATE TABLE leadflow.rollup_daily (
	day date NOT NULL,
	campaign_id integer,
	rep_id integer,
	channel text,
	leads bigint NOT NULL,
	unique_leads bigint NOT NULL,
	responded bigint NOT NULL,
	reached bigint NOT NULL,
	potential bigint NOT NULL,
	hot bigint NOT NULL,
	won bigint NOT NULL,
	lost bigint NOT NULL,
	disqualified bigint NOT NULL,
	closed_wrong_target bigint NOT NULL,
	closed_invalid_contact bigint NOT NULL,
	closed_duplicate bigint NOT NULL,
	closed_no_need bigint NOT NULL,
	closed_spam bigint NOT NULL,
	closed_lost_to_competitor bigint NOT NULL,
	closed_price bigint NOT NULL,
	closed_timing bigint NOT NULL,
	closed_unresponsive bigint NOT NULL,
	closed_unknown bigint NOT NULL,
	sla_governed bigint NOT NULL,
	sla_met bigint NOT NULL,
	sla_missed bigint NOT NULL,
	latency_count bigint NOT NULL,
	latency_business_s_sum numeric NOT NULL,
	latency_wall_s_sum numeric NOT NULL,
	latencies_business_s double precision[],
	attempts_before_reach_sum bigint NOT NULL,
	outbound_touches_sum bigint NOT NULL,
	score_sum bigint NOT NULL,
	scored bigint NOT NULL,
	attempting bigint NOT NULL,
	reached_any bigint NOT NULL,
	won_any bigint NOT NULL,
	unique_wrong_target bigint NOT NULL,
	unique_invalid_contact bigint NOT NULL,
	delay_count bigint NOT NULL,
	system_delay_s_sum numeric NOT NULL,
	human_delay_s_sum numeric NOT NULL,
	latencies_wall_s double precision[],
	stage_new_attempting_s double precision[],
	stage_attempting_reached_s double precision[],
	stage_reached_potential_s double precision[],
	stage_potential_hot_s double precision[],
	stage_hot_won_s double precision[],
	sla_open_due_s double precision[],
	CONSTRAINT rollup_daily_bucket
		UNIQUE NULLS NOT DISTINCT (day, campaign_id, rep_id, channel)
) WITH (fillfactor = 50);

-- Pages are filled only half (fillfactor 50, here and in rollup_rep_daily)
-- so that a refresh rewrites a bucket's wide row on its own page, a HOT
-- update with no new index entries: 1,000 touches refreshed in 99.5 ms
-- instead of 125 ms at 5,000,000 leads (tests/bench/RESULTS.md).
--
-- The refresh finds a bucket's row by day, campaign and rep; NULL keys
-- fold to 0 here and are told apart by an exact test after the lookup.
CREATE INDEX rollup_daily_lookup_idx ON leadflow.rollup_daily
	(day, (coalesce(campaign_id, 0)), (coalesce(rep_id, 0)));

-- The metric views cut weeks and months out of days; a period filter on
-- a week or a month finds its days through these (see 86_metrics.sql).
CREATE INDEX rollup_daily_week_idx ON leadflow.rollup_daily
	((pg_catalog.date_trunc('week', day::timestamp)::date));
CREATE INDEX rollup_daily_month_idx ON leadflow.rollup_daily
	((pg_catalog.date_trunc('month', day::timestamp)::date));

COMMENT ON TABLE leadflow.rollup_daily IS
'Lead figures per day of arrival, campaign, rep and channel, brought up to date by the background worker every leadflow.refresh_interval (or by leadflow.refresh_metrics()).  Computed from the lead rows alone (touches count through the lead columns that leadflow keeps from them), and always equal to a full recomputation from the leads at the time of the refresh.  Rates: divide by unique_leads (marketing figures) or by leads (rep figures).  Escalations are counted by day fired in leadflow.rollup_escalation_daily (live: leadflow.escalation_daily).';
COMMENT ON COLUMN leadflow.rollup_daily.day IS
'Day of arrival (received_at) in the time zone leadflow.rollup_time_zone (default UTC).';
COMMENT ON COLUMN leadflow.rollup_daily.campaign_id IS
'The leads'' campaign; NULL for leads without one.';
COMMENT ON COLUMN leadflow.rollup_daily.rep_id IS
'The rep who holds the leads now.';
COMMENT ON COLUMN leadflow.rollup_daily.channel IS
'The leads'' channel.';
COMMENT ON COLUMN leadflow.rollup_daily.leads IS 'Leads.';
COMMENT ON COLUMN leadflow.rollup_daily.unique_leads IS
'Leads that duplicate no earlier lead (duplicate_of is NULL).';
COMMENT ON COLUMN leadflow.rollup_daily.responded IS
'Leads with a first response.';
COMMENT ON COLUMN leadflow.rollup_daily.reached IS
'Unique leads reached, or that went on to potential, hot or won without a recorded reach.';
COMMENT ON COLUMN leadflow.rollup_daily.potential IS
'Unique leads that got to stage potential or beyond (hot, won).';
COMMENT ON COLUMN leadflow.rollup_daily.hot IS
'Unique leads that got to stage hot or beyond (won).';
COMMENT ON COLUMN leadflow.rollup_daily.won IS 'Unique leads in stage won.';
COMMENT ON COLUMN leadflow.rollup_daily.lost IS 'Unique leads in stage lost.';
COMMENT ON COLUMN leadflow.rollup_daily.disqualified IS
'Unique leads in stage disqualified.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_wrong_target IS
'Leads closed (lost or disqualified) as wrong_target; the other closed_ columns likewise count each close reason, closed_unknown the reason unknown.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_invalid_contact IS
'Leads closed (lost or disqualified) as invalid_contact.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_duplicate IS
'Leads closed (lost or disqualified) as duplicate.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_no_need IS
'Leads closed (lost or disqualified) as no_need.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_spam IS
'Leads closed (lost or disqualified) as spam.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_lost_to_competitor IS
'Leads closed (lost or disqualified) as lost_to_competitor.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_price IS
'Leads closed (lost or disqualified) as price.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_timing IS
'Leads closed (lost or disqualified) as timing.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_unresponsive IS
'Leads closed (lost or disqualified) as unresponsive.';
COMMENT ON COLUMN leadflow.rollup_daily.closed_unknown IS
'Leads closed (lost or disqualified) as unknown.';
COMMENT ON COLUMN leadflow.rollup_daily.sla_governed IS
'Leads with an SLA due time.';
COMMENT ON COLUMN leadflow.rollup_daily.sla_met IS
'Leads whose first response came at or before SLA due.';
COMMENT ON COLUMN leadflow.rollup_daily.sla_missed IS
'Leads whose first response came after SLA due, and leads closed (won, lost or disqualified) after SLA due with no response.  Open leads not answered yet are in sla_open_due_s instead: they miss their SLA when its due time passes, which needs no write to the lead, so the views count them as missed at read time.';
COMMENT ON COLUMN leadflow.rollup_daily.latency_count IS
'Leads with a response latency in business seconds.';
COMMENT ON COLUMN leadflow.rollup_daily.latency_business_s_sum IS
'Sum of response latencies in business seconds; divide by latency_count for the mean.  The sums are 0, not NULL, when nothing is summed.';
COMMENT ON COLUMN leadflow.rollup_daily.latency_wall_s_sum IS
'Sum of response latencies in wall-clock seconds.';
COMMENT ON COLUMN leadflow.rollup_daily.latencies_business_s IS
'Every response latency in business seconds, ascending; unnest the arrays of several rows for exact medians and percentiles.';
COMMENT ON COLUMN leadflow.rollup_daily.attempts_before_reach_sum IS
'Sum over reached leads of the outbound touches up to and including the one that reached them.';
COMMENT ON COLUMN leadflow.rollup_daily.outbound_touches_sum IS
'Sum of the leads'' outbound touches.';
COMMENT ON COLUMN leadflow.rollup_daily.score_sum IS
'Sum of the leads'' scores; divide by scored for the mean score.';
COMMENT ON COLUMN leadflow.rollup_daily.scored IS 'Leads with a score.';
COMMENT ON COLUMN leadflow.rollup_daily.attempting IS
'Unique leads that got to stage attempting or beyond (a first attempt, or any later stage time).';
COMMENT ON COLUMN leadflow.rollup_daily.reached_any IS
'Leads reached, duplicates included (the rep figures count every lead a rep holds).';
COMMENT ON COLUMN leadflow.rollup_daily.won_any IS
'Leads in stage won, duplicates included.';
COMMENT ON COLUMN leadflow.rollup_daily.unique_wrong_target IS
'Unique leads closed as wrong_target.';
COMMENT ON COLUMN leadflow.rollup_daily.unique_invalid_contact IS
'Unique leads closed as invalid_contact.';
COMMENT ON COLUMN leadflow.rollup_daily.delay_count IS
'Leads with a first response and an assignment time: those whose latency splits into system and human delay.';
COMMENT ON COLUMN leadflow.rollup_daily.system_delay_s_sum IS
'Sum over delay_count leads of the system delay in wall seconds: arrival to the earlier of assignment and first response (never negative).';
COMMENT ON COLUMN leadflow.rollup_daily.human_delay_s_sum IS
'Sum over delay_count leads of the human delay in wall seconds: the later of assignment and arrival to first response (never negative).';
COMMENT ON COLUMN leadflow.rollup_daily.latencies_wall_s IS
'Every response latency in wall-clock seconds, ascending.';
COMMENT ON COLUMN leadflow.rollup_daily.stage_new_attempting_s IS
'For unique leads with both times: seconds from arrival to stage attempting, ascending; the stage_ lists likewise hold attempting to reached, reached to potential, potential to hot and hot to won.';
COMMENT ON COLUMN leadflow.rollup_daily.stage_attempting_reached_s IS
'For unique leads with both times: seconds from attempting to reached, ascending.';
COMMENT ON COLUMN leadflow.rollup_daily.stage_reached_potential_s IS
'For unique leads with both times: seconds from reached to potential, ascending.';
COMMENT ON COLUMN leadflow.rollup_daily.stage_potential_hot_s IS
'For unique leads with both times: seconds from potential to hot, ascending.';
COMMENT ON COLUMN leadflow.rollup_daily.stage_hot_won_s IS
'For unique leads with both times: seconds from hot to won, ascending.';
COMMENT ON COLUMN leadflow.rollup_daily.sla_open_due_s IS
'SLA due times, as seconds since 1970-01-01 UTC, of the open leads with an SLA and no response yet, ascending: the views count those before now as missed (leadflow.list_count_below).';

CREATE FUNCTION leadflow.list_percentiles(double precision[],
										  double precision[])
RETURNS double precision[]
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_list_percentiles';

COMMENT ON FUNCTION leadflow.list_percentiles(double precision[], double precision[]) IS
'Exact percentiles of the values of one list (NULL elements skipped), one per fraction of the second argument, as percentile_cont computes them over that list alone; NULL when the list has no value.';

CREATE FUNCTION leadflow.list_count_below(list double precision[],
										  bound double precision)
RETURNS integer
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_list_count_below_sql';

COMMENT ON FUNCTION leadflow.list_count_below(double precision[], double precision) IS
'How many values of an ascending list are below bound: 0 for a NULL list, NULL for a NULL bound.';

-- The rep and team views group by day and rep only: regrouping the wide
-- rows of rollup_daily (one per campaign and channel too) into day and
-- rep at read time cost them more than the rows of the period.  So the
-- refresh keeps this second rollup from the same changes, in the same
-- statement, and the rep views read it instead.  Only the two latency
-- lists the rep views merge are kept, which keeps its rows narrow.
CREATE TABLE leadflow.rollup_rep_daily (
	day date NOT NULL,
	rep_id integer,
	leads bigint NOT NULL,
	unique_leads bigint NOT NULL,
	responded bigint NOT NULL,
	reached bigint NOT NULL,
	potential bigint NOT NULL,
	hot bigint NOT NULL,
	won bigint NOT NULL,
	lost bigint NOT NULL,
	disqualified bigint NOT NULL,
	closed_wrong_target bigint NOT NULL,
	closed_invalid_contact bigint NOT NULL,
	closed_duplicate bigint NOT NULL,
	closed_no_need bigint NOT NULL,
	closed_spam bigint NOT NULL,
	closed_lost_to_competitor bigint NOT NULL,
	closed_price bigint NOT NULL,
	closed_timing bigint NOT NULL,
	closed_unresponsive bigint NOT NULL,
	closed_unknown bigint NOT NULL,
	sla_governed bigint NOT NULL,
	sla_met bigint NOT NULL,
	sla_missed bigint NOT NULL,
	latency_count bigint NOT NULL,
	latency_business_s_sum numeric NOT NULL,
	latency_wall_s_sum numeric NOT NULL,
	attempts_before_reach_sum bigint NOT NULL,
	outbound_touches_sum bigint NOT NULL,
	score_sum bigint NOT NULL,
	scored bigint NOT NULL,
	attempting bigint NOT NULL,
	reached_any bigint NOT NULL,
	won_any bigint NOT NULL,
	unique_wrong_target bigint NOT NULL,
	unique_invalid_contact bigint NOT NULL,
	delay_count bigint NOT NULL,
	system_delay_s_sum numeric NOT NULL,
	human_delay_s_sum numeric NOT NULL,
	-- A day's percentiles, worked out when its lists change rather than
	-- each time a rep view reads the day.
	latency_business_median_s double precision GENERATED ALWAYS AS
		((leadflow.list_percentiles(latencies_business_s, '{0.5}'))[1])
		STORED,
	latency_business_p90_s double precision GENERATED ALWAYS AS
		((leadflow.list_percentiles(latencies_business_s, '{0.9}'))[1])
		STORED,
	latency_wall_median_s double precision GENERATED ALWAYS AS
		((leadflow.list_percentiles(latencies_wall_s, '{0.5}'))[1])
		STORED,
	latency_wall_p90_s double precision GENERATED ALWAYS AS
		((leadflow.list_percentiles(latencies_wall_s, '{0.9}'))[1])
		STORED,
	-- The escalation steps of the rep's day, copied from
	-- rollup_escalation_daily by the triggers below, so that a rep view
	-- reads a day as one row, with no join and no grouping.
	escalations bigint NOT NULL DEFAULT 0,
	escalations_warn bigint NOT NULL DEFAULT 0,
	escalations_remind_rep bigint NOT NULL DEFAULT 0,
	escalations_alert_manager bigint NOT NULL DEFAULT 0,
	escalations_reassign bigint NOT NULL DEFAULT 0,
	escalations_reassigned bigint NOT NULL DEFAULT 0,
	-- The four numeric sums in double precision, converted once when a
	-- row is written: the rep views read them for every row, and the
	-- conversion per row took a third of a 90-day query's execution.
	latency_business_s_sum_float8 double precision GENERATED ALWAYS AS
		(latency_business_s_sum::double precision) STORED,
	latency_wall_s_sum_float8 double precision GENERATED ALWAYS AS
		(latency_wall_s_sum::double precision) STORED,
	system_delay_s_sum_float8 double precision GENERATED ALWAYS AS
		(system_delay_s_sum::double precision) STORED,
	human_delay_s_sum_float8 double precision GENERATED ALWAYS AS
		(human_delay_s_sum::double precision) STORED,
	-- The day's shares and means, as rep_responsiveness shows them, also
	-- worked out when the row is written.
	responded_share double precision GENERATED ALWAYS AS
		(responded::double precision / nullif(leads, 0)) STORED,
	latency_business_mean_s double precision GENERATED ALWAYS AS
		(latency_business_s_sum::double precision
		 / nullif(latency_count, 0)) STORED,
	latency_wall_mean_s double precision GENERATED ALWAYS AS
		(latency_wall_s_sum::double precision / nullif(responded, 0)) STORED,
	system_delay_mean_s double precision GENERATED ALWAYS AS
		(system_delay_s_sum::double precision / nullif(delay_count, 0))
		STORED,
	human_delay_mean_s double precision GENERATED ALWAYS AS
		(human_delay_s_sum::double precision / nullif(delay_count, 0))
		STORED,
	reached_share double precision GENERATED ALWAYS AS
		(reached_any::double precision / nullif(leads, 0)) STORED,
	attempts_before_reach_mean double precision GENERATED ALWAYS AS
		(attempts_before_reach_sum::double precision / nullif(reached_any, 0))
		STORED,
	won_share double precision GENERATED ALWAYS AS
		(won_any::double precision / nullif(leads, 0)) STORED,
	-- The lists last: a row is read up to its last fixed-width column
	-- without stepping over them.
	latencies_business_s double precision[],
	latencies_wall_s double precision[],
	sla_open_due_s double precision[],
	CONSTRAINT rollup_rep_daily_bucket
		UNIQUE NULLS NOT DISTINCT (day, rep_id)
) WITH (fillfactor = 50);

-- The incremental refresh finds a bucket by day and coalesced rep, as for
-- rollup_daily: without this index it read the whole table per refresh.
CREATE INDEX rollup_rep_daily_lookup_idx ON leadflow.rollup_rep_daily
	(day, (coalesce(rep_id, 0)));

-- Weeks and months, as for rollup_daily; a day filter uses the bucket key.
-- The rep comes second so that rep_responsiveness reads a week's or a
-- month's days in the order it groups them (see 86_metrics.sql).
CREATE INDEX rollup_rep_daily_week_idx ON leadflow.rollup_rep_daily
	((pg_catalog.date_trunc('week', day::timestamp)::date), rep_id);
CREATE INDEX rollup_rep_daily_month_idx ON leadflow.rollup_rep_daily
	((pg_catalog.date_trunc('month', day::timestamp)::date), rep_id);

COMMENT ON TABLE leadflow.rollup_rep_daily IS
'The figures of leadflow.rollup_daily summed per day of arrival and rep alone (over campaigns and channels), with the two latency lists merged; brought up to date by the same refresh from the same changes, and so always equal to grouping leadflow.rollup_daily by day and rep.  Read by leadflow.rep_responsiveness and leadflow.team_responsiveness.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.day IS
'Day of arrival (received_at) in the time zone leadflow.rollup_time_zone (default UTC).';
COMMENT ON COLUMN leadflow.rollup_rep_daily.rep_id IS
'The rep who holds the leads now; NULL for leads without a rep.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.leads IS
'As leadflow.rollup_daily.leads, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.unique_leads IS
'As leadflow.rollup_daily.unique_leads, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.responded IS
'As leadflow.rollup_daily.responded, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.reached IS
'As leadflow.rollup_daily.reached, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.potential IS
'As leadflow.rollup_daily.potential, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.hot IS
'As leadflow.rollup_daily.hot, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.won IS
'As leadflow.rollup_daily.won, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.lost IS
'As leadflow.rollup_daily.lost, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.disqualified IS
'As leadflow.rollup_daily.disqualified, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_wrong_target IS
'As leadflow.rollup_daily.closed_wrong_target, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_invalid_contact IS
'As leadflow.rollup_daily.closed_invalid_contact, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_duplicate IS
'As leadflow.rollup_daily.closed_duplicate, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_no_need IS
'As leadflow.rollup_daily.closed_no_need, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_spam IS
'As leadflow.rollup_daily.closed_spam, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_lost_to_competitor IS
'As leadflow.rollup_daily.closed_lost_to_competitor, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_price IS
'As leadflow.rollup_daily.closed_price, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_timing IS
'As leadflow.rollup_daily.closed_timing, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_unresponsive IS
'As leadflow.rollup_daily.closed_unresponsive, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.closed_unknown IS
'As leadflow.rollup_daily.closed_unknown, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.sla_governed IS
'As leadflow.rollup_daily.sla_governed, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.sla_met IS
'As leadflow.rollup_daily.sla_met, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.sla_missed IS
'As leadflow.rollup_daily.sla_missed, summed over the day''s campaigns and channels.  Without the open leads whose due time has passed (sla_open_due_s), so no share of met SLAs is stored here: it changes with the clock.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_count IS
'As leadflow.rollup_daily.latency_count, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_business_s_sum IS
'As leadflow.rollup_daily.latency_business_s_sum, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_wall_s_sum IS
'As leadflow.rollup_daily.latency_wall_s_sum, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.attempts_before_reach_sum IS
'As leadflow.rollup_daily.attempts_before_reach_sum, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.outbound_touches_sum IS
'As leadflow.rollup_daily.outbound_touches_sum, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.score_sum IS
'As leadflow.rollup_daily.score_sum, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.scored IS
'As leadflow.rollup_daily.scored, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.attempting IS
'As leadflow.rollup_daily.attempting, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.reached_any IS
'As leadflow.rollup_daily.reached_any, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.won_any IS
'As leadflow.rollup_daily.won_any, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.unique_wrong_target IS
'As leadflow.rollup_daily.unique_wrong_target, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.unique_invalid_contact IS
'As leadflow.rollup_daily.unique_invalid_contact, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.delay_count IS
'As leadflow.rollup_daily.delay_count, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.system_delay_s_sum IS
'As leadflow.rollup_daily.system_delay_s_sum, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.human_delay_s_sum IS
'As leadflow.rollup_daily.human_delay_s_sum, summed over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latencies_business_s IS
'Every response latency in business seconds of the day''s leads of the rep, ascending.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latencies_wall_s IS
'Every response latency in wall-clock seconds of the day''s leads of the rep, ascending.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.sla_open_due_s IS
'As leadflow.rollup_daily.sla_open_due_s, merged over the day''s campaigns and channels.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_business_median_s IS
'Median of latencies_business_s (percentile_cont 0.5), in business seconds; NULL when the list is empty.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_business_p90_s IS
'90th percentile of latencies_business_s (percentile_cont 0.9), in business seconds.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_wall_median_s IS
'Median of latencies_wall_s (percentile_cont 0.5), in wall-clock seconds.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_wall_p90_s IS
'90th percentile of latencies_wall_s (percentile_cont 0.9), in wall-clock seconds.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.escalations IS
'Escalation steps fired on this day (not the day of arrival) while the rep held the lead: leadflow.rollup_escalation_daily summed over steps and actions.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.escalations_warn IS
'Of escalations, the steps with action warn.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.escalations_remind_rep IS
'Of escalations, the steps with action remind_rep.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.escalations_alert_manager IS
'Of escalations, the steps with action alert_manager.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.escalations_reassign IS
'Of escalations, the steps with action reassign.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.escalations_reassigned IS
'Reassign steps of the day that found a new rep.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_business_s_sum_float8 IS
'latency_business_s_sum as double precision.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_wall_s_sum_float8 IS
'latency_wall_s_sum as double precision.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.system_delay_s_sum_float8 IS
'system_delay_s_sum as double precision.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.human_delay_s_sum_float8 IS
'human_delay_s_sum as double precision.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.responded_share IS
'responded / leads.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_business_mean_s IS
'latency_business_s_sum / latency_count, in business seconds.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.latency_wall_mean_s IS
'latency_wall_s_sum / responded, in wall-clock seconds.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.system_delay_mean_s IS
'system_delay_s_sum / delay_count, in wall-clock seconds.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.human_delay_mean_s IS
'human_delay_s_sum / delay_count, in wall-clock seconds.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.reached_share IS
'reached_any / leads.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.attempts_before_reach_mean IS
'attempts_before_reach_sum / reached_any.';
COMMENT ON COLUMN leadflow.rollup_rep_daily.won_share IS
'won_any / leads.';

-- What campaign_quality shows of rollup_daily, per day, campaign and
-- channel, summed over reps: the view reads one narrow row per campaign
-- and day here instead of grouping the wide per-rep rows (about nine per
-- campaign and day in the benchmark) with their lists.  Only the columns
-- the view shows, so that a refresh writes little for each bucket.
CREATE TABLE leadflow.rollup_campaign_daily (
	day date NOT NULL,
	campaign_id integer,
	channel text,
	leads bigint NOT NULL,
	unique_leads bigint NOT NULL,
	reached bigint NOT NULL,
	potential bigint NOT NULL,
	hot bigint NOT NULL,
	won bigint NOT NULL,
	unique_wrong_target bigint NOT NULL,
	unique_invalid_contact bigint NOT NULL,
	score_sum bigint NOT NULL,
	scored bigint NOT NULL,
	CONSTRAINT rollup_campaign_daily_bucket
		UNIQUE NULLS NOT DISTINCT (day, campaign_id, channel)
) WITH (fillfactor = 50);

-- Weeks and months, as for rollup_daily.  No lookup index: the
-- incremental refresh finds a bucket through its unique constraint (the
-- upsert's conflict check), and empty buckets by a scan of this narrow
-- table.
CREATE INDEX rollup_campaign_daily_week_idx
	ON leadflow.rollup_campaign_daily
	((pg_catalog.date_trunc('week', day::timestamp)::date));
CREATE INDEX rollup_campaign_daily_month_idx
	ON leadflow.rollup_campaign_daily
	((pg_catalog.date_trunc('month', day::timestamp)::date));

COMMENT ON TABLE leadflow.rollup_campaign_daily IS
'The figures of leadflow.rollup_daily that leadflow.campaign_quality shows, summed per day of arrival, campaign and channel (over reps); brought up to date by the same refresh from the same changes, and so always equal to grouping leadflow.rollup_daily by day, campaign and channel.  Read by leadflow.campaign_quality.';
COMMENT ON COLUMN leadflow.rollup_campaign_daily.day IS
'Day of arrival (received_at) in the time zone leadflow.rollup_time_zone (default UTC).';
COMMENT ON COLUMN leadflow.rollup_campaign_daily.campaign_id IS
'The lead''s campaign; NULL for leads without one.';
COMMENT ON COLUMN leadflow.rollup_campaign_daily.channel IS
'The lead''s channel.';

-- Every figure means what it means in rollup_daily, summed over reps.
DO $$
DECLARE
	col name;
BEGIN
	FOR col IN
		SELECT a.attname FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = 'leadflow.rollup_campaign_daily'::regclass
		  AND a.attnum > 3 AND NOT a.attisdropped
	LOOP
		EXECUTE pg_catalog.format('COMMENT ON COLUMN '
			'leadflow.rollup_campaign_daily.%I IS %L', col,
			pg_catalog.format('As leadflow.rollup_daily.%s, summed over '
							  'the day''s reps.', col));
	END LOOP;
END
$$;

-- An incremental refresh brings each bucket's sorted lists up to date in
-- C: in SQL every list of every bucket touched cost an unnest, a hashed
-- EXCEPT ALL and a sort.
CREATE FUNCTION leadflow.list_apply(list double precision[],
									added double precision[],
									removed double precision[])
RETURNS double precision[]
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_list_apply_sql';

COMMENT ON FUNCTION leadflow.list_apply(double precision[], double precision[], double precision[]) IS
'A sorted rollup list plus the values added minus the values removed (one occurrence per removed value, a value not there ignored, as EXCEPT ALL), ascending; NULL when nothing is left.  NULL arrays and elements count as none.';

-- Every change to a lead since the last refresh: the lead's old row with
-- sign -1 and its new row with sign +1, in the columns the figures read.
-- The refresh adds the signed contributions to the rollups.
CREATE TABLE leadflow.rollup_delta (
	sign smallint NOT NULL CHECK (sign IN (-1, 1)),
	received_at timestamptz,
	campaign_id integer,
	rep_id integer,
	channel text,
	duplicate_of bigint,
	first_response_at timestamptz,
	reached_at timestamptz,
	potential_at timestamptz,
	hot_at timestamptz,
	won_at timestamptz,
	stage text,
	close_reason text,
	sla_due_at timestamptz,
	sla_met boolean,
	response_business_s double precision,
	response_wall_s double precision,
	attempts_before_reach integer,
	outbound_touches integer,
	score smallint,
	assigned_at timestamptz,
	attempting_at timestamptz,
	closed_at timestamptz
);

COMMENT ON TABLE leadflow.rollup_delta IS
'Changes to leads not yet in the rollups: each change logs the old row with sign -1 and the new row with sign +1, in the columns the figures read.  Appended to by triggers on leadflow.lead, emptied by each refresh.';

-- What the rollups were built with; a different time zone rebuilds them.
CREATE TABLE leadflow.rollup_state (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	time_zone text,
	full_refresh_at timestamptz,
	refresh_at timestamptz
);

INSERT INTO leadflow.rollup_state DEFAULT VALUES;

COMMENT ON TABLE leadflow.rollup_state IS
'One row: the time zone the rollups are cut in, and when they were last rebuilt in full and last refreshed.';

-- Escalations per day they fired (in the rollup time zone), rep who held
-- the lead, step and action, kept by signed deltas like the lead rollups:
-- the metric views read this instead of grouping the whole ledger.
CREATE TABLE leadflow.rollup_escalation_daily (
	day date NOT NULL,
	rep_id integer,
	step smallint NOT NULL,
	action text NOT NULL,
	fired bigint NOT NULL,
	reassigned bigint NOT NULL,
	CONSTRAINT rollup_escalation_daily_bucket
		UNIQUE NULLS NOT DISTINCT (day, rep_id, step, action)
);

-- By week or month, then rep: the order rep_responsiveness groups in.
CREATE INDEX rollup_escalation_daily_week_idx
	ON leadflow.rollup_escalation_daily
	((pg_catalog.date_trunc('week', day::timestamp)::date), rep_id);
CREATE INDEX rollup_escalation_daily_month_idx
	ON leadflow.rollup_escalation_daily
	((pg_catalog.date_trunc('month', day::timestamp)::date), rep_id);

COMMENT ON TABLE leadflow.rollup_escalation_daily IS
'Escalation steps fired per day (in leadflow.rollup_time_zone), rep who held the lead, step and action, brought up to date with leadflow.rollup_daily by the same refresh, from the changes logged in leadflow.rollup_escalation_delta; always equal to a count over leadflow.escalation at the time of the refresh.';
COMMENT ON COLUMN leadflow.rollup_escalation_daily.fired IS 'Steps fired.';
COMMENT ON COLUMN leadflow.rollup_escalation_daily.reassigned IS
'Reassign steps that found a new rep.';

-- The escalation columns of rollup_rep_daily, kept equal to this table
-- summed per day and rep: the rep views read a rep's day as one row.  A
-- rep's day with escalations but no lead arriving has no row there; the
-- views take those days from this table.

-- Sets the escalation columns of the rep rows of the given days and reps
-- (NULL rep included) from rollup_escalation_daily.
CREATE FUNCTION leadflow.rollup_rep_escalations_sync(days date[],
													 reps integer[])
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	UPDATE leadflow.rollup_rep_daily r SET
		escalations = s.fired, escalations_warn = s.warn,
		escalations_remind_rep = s.remind_rep,
		escalations_alert_manager = s.alert_manager,
		escalations_reassign = s.reassign,
		escalations_reassigned = s.reassigned
	FROM (
		SELECT k.day, k.rep_id,
			coalesce(sum(e.fired), 0) AS fired,
			coalesce(sum(e.fired) FILTER (WHERE e.action = 'warn'), 0)
				AS warn,
			coalesce(sum(e.fired) FILTER (WHERE e.action = 'remind_rep'), 0)
				AS remind_rep,
			coalesce(sum(e.fired) FILTER (WHERE e.action = 'alert_manager'),
				0) AS alert_manager,
			coalesce(sum(e.fired) FILTER (WHERE e.action = 'reassign'), 0)
				AS reassign,
			coalesce(sum(e.reassigned), 0) AS reassigned
		FROM (SELECT DISTINCT u.day, u.rep_id
			  FROM unnest(days, reps) u(day, rep_id)) k
		LEFT JOIN leadflow.rollup_escalation_daily e
			ON e.day = k.day AND e.rep_id IS NOT DISTINCT FROM k.rep_id
		GROUP BY k.day, k.rep_id) s
	WHERE r.day = s.day
	  AND coalesce(r.rep_id, 0) = coalesce(s.rep_id, 0)
	  AND r.rep_id IS NOT DISTINCT FROM s.rep_id
$$;

CREATE FUNCTION leadflow.rollup_escalation_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	days date[];
	reps integer[];
BEGIN
	-- A refresh never changes a bucket's key, so the new rows name every
	-- bucket an insert or update touched.
	IF TG_OP = 'DELETE' THEN
		SELECT array_agg(o.day), array_agg(o.rep_id) INTO days, reps
		FROM old_rows o;
	ELSE
		SELECT array_agg(n.day), array_agg(n.rep_id) INTO days, reps
		FROM new_rows n;
	END IF;
	IF days IS NOT NULL THEN
		PERFORM leadflow.rollup_rep_escalations_sync(days, reps);
	END IF;
	RETURN NULL;
END
$$;

-- Rep rows just inserted take the escalations of their days: once per
-- statement, from the rows it inserted, since a refresh proposes a row
-- for every bucket it changes and most of them exist already.
CREATE FUNCTION leadflow.rollup_rep_inserted()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	days date[];
	reps integer[];
BEGIN
	SELECT array_agg(n.day), array_agg(n.rep_id) INTO days, reps
	FROM new_rows n
	WHERE EXISTS (SELECT 1 FROM leadflow.rollup_escalation_daily e
		WHERE e.day = n.day AND e.rep_id IS NOT DISTINCT FROM n.rep_id);
	IF days IS NOT NULL THEN
		PERFORM leadflow.rollup_rep_escalations_sync(days, reps);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER rollup_escalation_inserted
	AFTER INSERT ON leadflow.rollup_escalation_daily
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.rollup_escalation_changed();
CREATE TRIGGER rollup_escalation_updated
	AFTER UPDATE ON leadflow.rollup_escalation_daily
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.rollup_escalation_changed();
CREATE TRIGGER rollup_escalation_deleted
	AFTER DELETE ON leadflow.rollup_escalation_daily
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.rollup_escalation_changed();
CREATE TRIGGER rollup_rep_inserted
	AFTER INSERT ON leadflow.rollup_rep_daily
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION leadflow.rollup_rep_inserted();

COMMENT ON FUNCTION leadflow.rollup_rep_escalations_sync(date[], integer[]) IS
'Sets the escalation columns of the leadflow.rollup_rep_daily rows of the given days and reps (pairs, NULL rep included) from leadflow.rollup_escalation_daily.';
COMMENT ON FUNCTION leadflow.rollup_escalation_changed() IS
'After a change to leadflow.rollup_escalation_daily, brings the escalation columns of the rep rollup rows of the buckets changed up to date.';
COMMENT ON FUNCTION leadflow.rollup_rep_inserted() IS
'After rows are inserted into leadflow.rollup_rep_daily, sets their escalation columns from leadflow.rollup_escalation_daily.';

CREATE TABLE leadflow.rollup_escalation_delta (
	sign smallint NOT NULL CHECK (sign IN (-1, 1)),
	fired_at timestamptz NOT NULL,
	rep_id integer,
	step smallint NOT NULL,
	action text NOT NULL,
	outcome text
);

COMMENT ON TABLE leadflow.rollup_escalation_delta IS
'Changes to the escalation ledger not yet in leadflow.rollup_escalation_daily, with sign -1 for a removed row and +1 for an added one.  Appended to by triggers on leadflow.escalation, emptied by each refresh.';

-- Escalations by the day they fired: a live view over the ledger, which
-- its index on fired_at keeps cheap for any period.
CREATE VIEW leadflow.escalation_daily AS
	SELECT (e.fired_at AT TIME ZONE coalesce(
			pg_catalog.current_setting('leadflow.rollup_time_zone', true),
			'UTC'))::date AS day,
		   e.rep_id, e.manager_id, e.step, e.action,
		   pg_catalog.count(*) AS fired,
		   pg_catalog.count(*) FILTER (WHERE e.outcome = 'reassigned')
			AS reassigned
	FROM leadflow.escalation e
	GROUP BY 1, 2, 3, 4, 5;

COMMENT ON VIEW leadflow.escalation_daily IS
'Escalation steps fired per day (in leadflow.rollup_time_zone), rep who held the lead, manager, step and action; reassigned counts reassign steps that found a new rep.';
COMMENT ON COLUMN leadflow.escalation_daily.day IS
'The day the steps fired, as a local date in leadflow.rollup_time_zone (UTC when it is not set).';
COMMENT ON COLUMN leadflow.escalation_daily.rep_id IS
'The rep who held the lead when the step fired; NULL for leads without a rep.';
COMMENT ON COLUMN leadflow.escalation_daily.manager_id IS
'That rep''s manager when the step fired; NULL when there was none.';
COMMENT ON COLUMN leadflow.escalation_daily.step IS
'The step of the policy''s escalation ladder (leadflow.escalation_step.step); 0 for the pre-breach warning.';
COMMENT ON COLUMN leadflow.escalation_daily.action IS
'warn (pre-breach warning), remind_rep, alert_manager or reassign.';
COMMENT ON COLUMN leadflow.escalation_daily.fired IS
'Steps fired for the day, rep, manager, step and action; as each step fires once per lead, also the leads they fired for.';
COMMENT ON COLUMN leadflow.escalation_daily.reassigned IS
'Of those, reassign steps that gave the lead to a new rep (outcome reassigned); 0 for the other actions and for reassign steps that found no team (no_team).';

CREATE FUNCTION leadflow.refresh_metrics(full boolean DEFAULT false)
RETURNS bigint
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadflow_refresh_metrics';

COMMENT ON FUNCTION leadflow.refresh_metrics(boolean) IS
'Brings the rollups (leadflow.rollup_daily, leadflow.rollup_rep_daily, leadflow.rollup_campaign_daily, leadflow.rollup_escalation_daily) up to date now, as the background worker does every leadflow.refresh_interval: only the changed buckets, or everything when full is true.  Returns the number of buckets of leadflow.rollup_daily recomputed (with full, of its buckets written).';

REVOKE ALL ON FUNCTION leadflow.refresh_metrics(boolean) FROM PUBLIC;
