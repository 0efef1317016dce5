-- tests/demo/report.sql: the figures both sides agree on, for one demo
-- database.
--
--   psql -v section=olist|xeducation|replay -f report.sql
--
-- Each query reads leadflow's rollups (leadflow.rollup_daily,
-- leadflow.escalation_daily) or, where no rollup holds the figure, the
-- base tables; each is one statement under a heading, so that it can be
-- replaced by a query on the matching metric view on its own.

\set ON_ERROR_STOP on
\pset footer off
\pset null '-'
SET client_min_messages = warning;

SELECT leadflow.refresh_metrics() AS refreshed \gset

SELECT :'section' = 'olist' AS is_olist,
	   :'section' = 'xeducation' AS is_xeducation,
	   :'section' = 'replay' AS is_replay \gset

\if :is_replay
\else
-- Campaign quality by channel.  Rates divide by unique leads.
\echo
\echo 'Lead quality by channel (rates in % of unique leads)'
SELECT coalesce(channel, CASE WHEN GROUPING(channel) = 1 THEN 'all channels'
						 ELSE '(none given)' END) AS channel,
	   sum(leads) AS leads,
	   sum(unique_leads) AS "unique",
	   round(100.0 * sum(reached) / nullif(sum(unique_leads), 0), 1)
		AS "reached",
	   round(100.0 * sum(closed_wrong_target) / nullif(sum(unique_leads), 0), 1)
		AS "wrong target",
	   round(100.0 * sum(potential) / nullif(sum(unique_leads), 0), 1)
		AS "potential",
	   round(100.0 * sum(hot) / nullif(sum(unique_leads), 0), 1) AS "hot",
	   round(100.0 * sum(won) / nullif(sum(unique_leads), 0), 1) AS "won",
	   round(sum(score_sum)::numeric / nullif(sum(scored), 0), 1)
		AS "mean score"
FROM leadflow.rollup_daily
GROUP BY GROUPING SETS ((channel), ())
ORDER BY GROUPING(channel), sum(leads) DESC, channel;
\endif

\if :is_olist
-- Rep results: deals won per SDR (the rep who holds the lead) and the
-- median time from first contact to the win, in calendar days and in
-- business days of the São Paulo calendar (9 working hours a day).
\echo
\echo 'Olist SDRs: won deals and time to close'
SELECT r.name AS sdr,
	   count(*) AS "won deals",
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY
			extract(epoch FROM l.won_at - l.received_at) / 86400)::numeric, 1)
		AS "median days to close",
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY
			leadflow.business_seconds(r.calendar_id, l.received_at, l.won_at)
			/ (9 * 3600))::numeric, 1)
		AS "median business days"
FROM leadflow.lead l
JOIN leadflow.rep r ON r.rep_id = l.rep_id
WHERE l.stage = 'won'
GROUP BY r.name
ORDER BY count(*) DESC, r.name;
\endif

\if :is_replay
\else
-- Lost-lead attribution: every lead closed without a sale, on the side
-- its close reason puts it.
\echo
\echo 'Lost-lead attribution (leads closed without a sale)'
SELECT side, reasons, leads,
	   round(100.0 * leads / sum(leads) OVER (), 1) AS "% of lost"
FROM (
	SELECT 'marketing' AS side,
		   'wrong target, invalid contact, duplicate, spam, no need' AS reasons,
		   sum(closed_wrong_target + closed_invalid_contact + closed_duplicate
			   + closed_spam + closed_no_need) AS leads, 1 AS o
	FROM leadflow.rollup_daily
	UNION ALL
	SELECT 'market', 'lost to competitor, price, timing',
		   sum(closed_lost_to_competitor + closed_price + closed_timing), 2
	FROM leadflow.rollup_daily
	UNION ALL
	SELECT 'undecided', 'unresponsive (calls never answered)',
		   sum(closed_unresponsive), 3
	FROM leadflow.rollup_daily
	UNION ALL
	SELECT 'not known', 'no reason recorded', sum(closed_unknown), 4
	FROM leadflow.rollup_daily) s
ORDER BY o;
\endif

\if :is_replay
-- Rep responsiveness in the live replay: latency in business seconds
-- (the calendar is 24/7: wall-clock seconds), SLA, escalations by step.
\echo
\echo 'Live replay (simulated reps): response latency and SLA'
SELECT r.name AS rep,
	   sum(d.leads) AS "leads held",
	   sum(d.responded) AS responded,
	   (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 1)
		FROM leadflow.rollup_daily d2, unnest(d2.latencies_business_s) x
		WHERE d2.rep_id = r.rep_id) AS "median s",
	   (SELECT round(percentile_cont(0.9) WITHIN GROUP (ORDER BY x)::numeric, 1)
		FROM leadflow.rollup_daily d2, unnest(d2.latencies_business_s) x
		WHERE d2.rep_id = r.rep_id) AS "p90 s",
	   sum(d.sla_met) AS "SLA met",
	   sum(d.sla_missed) AS "SLA missed",
	   sum(d.sla_governed) - sum(d.sla_met) - sum(d.sla_missed)
		AS "never answered"
FROM leadflow.rollup_daily d
JOIN leadflow.rep r ON r.rep_id = d.rep_id
GROUP BY r.rep_id, r.name
ORDER BY r.name;

\echo
\echo 'Live replay: escalations fired by the worker'
SELECT e.step, e.action, r.name AS "rep holding the lead",
	   sum(e.fired) AS fired, sum(e.reassigned) AS reassigned
FROM leadflow.escalation_daily e
LEFT JOIN leadflow.rep r ON r.rep_id = e.rep_id
GROUP BY e.step, e.action, r.name
ORDER BY e.step, r.name;

\echo
\echo 'Live replay: lead by lead'
SELECT l.lead_id AS lead, r.name AS "held by now",
	   round(l.response_business_s::numeric, 1) AS "answered after s",
	   l.sla_met AS "SLA met",
	   (SELECT string_agg(x.action || ' +' ||
				to_char(extract(epoch FROM x.fired_at - l.received_at),
						'FM990.0') || ' s', ', ' ORDER BY x.step)
		FROM leadflow.escalation x WHERE x.lead_id = l.lead_id)
		AS "escalations (time after arrival)"
FROM leadflow.lead l
LEFT JOIN leadflow.rep r ON r.rep_id = l.rep_id
ORDER BY l.lead_id;
\endif
