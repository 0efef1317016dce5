# tests/worker/t/006_jobs.pl
#
# The refresh jobs under a running worker: registered materialised views
# refresh on their own schedule, a broken one fails alone and is recorded
# while the other jobs go on, an overlong refresh is cancelled by
# leadflow.job_timeout; the rollups follow random writes and always end
# equal to a full recomputation, also after the time zone changes; a
# database being restored is left alone; old runs are pruned; a missing
# worker slot is reported once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = LeadflowWorker::node('jobs', "leadflow.job_timeout = 3000\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION leadflow');
LeadflowWorker::org($node, 'postgres');
$node->safe_psql('postgres',
	"INSERT INTO leadflow.campaign (campaign_id, name) VALUES (1, 'a'), (2, 'b')");

# Three registered views: a good one refreshed concurrently, a broken one
# (it divides by zero once "fail" has a row) and one slower than the job
# timeout.
$node->safe_psql('postgres', <<'EOS');
CREATE TABLE fail (x int);
CREATE MATERIALIZED VIEW good AS
	SELECT count(*) AS leads, now() AS at FROM leadflow.lead;
CREATE UNIQUE INDEX ON good (leads);
CREATE MATERIALIZED VIEW broken AS
	SELECT 1 / (1 - count(*))::int AS x FROM fail;
CREATE MATERIALIZED VIEW sleepy AS SELECT 1 AS one FROM pg_sleep(0);
INSERT INTO fail VALUES (1);
CREATE OR REPLACE VIEW unused AS SELECT 1;
SELECT leadflow.schedule_refresh('good', '1 second', concurrently => true);
SELECT leadflow.schedule_refresh('broken', '1 second');
EOS
$node->safe_psql('postgres', <<'EOS');
CREATE OR REPLACE FUNCTION nap() RETURNS int LANGUAGE sql
AS $$ SELECT 1 FROM pg_sleep(10) $$;
DROP MATERIALIZED VIEW sleepy;
CREATE MATERIALIZED VIEW sleepy AS SELECT nap() AS one WITH NO DATA;
SELECT leadflow.schedule_refresh('sleepy', '1 hour');
EOS

LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) >= 2 FROM leadflow.job_run
WHERE job = 'matview' AND target = 'good' AND status = 'ok'
EOS
	'the good view is refreshed again and again');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) >= 1 FROM leadflow.job_run
WHERE job = 'matview' AND target = 'broken' AND status = 'failed'
  AND message = 'division by zero'
EOS
	'the broken view fails, with its error recorded');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) = 1 FROM leadflow.job_run
WHERE job = 'matview' AND target = 'sleepy' AND status = 'failed'
  AND message = 'canceling statement due to statement timeout'
EOS
	'the sleepy view is cancelled by leadflow.job_timeout');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT matview || ' ' || last_status || ' ' || (failures > 0)
FROM leadflow.refresh_schedule ORDER BY matview::text
EOS
	"broken failed true\ngood ok false\nsleepy failed true",
	'each schedule row has its own outcome');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT extract(epoch FROM next_run_at - last_ended) > 1
FROM leadflow.refresh_schedule WHERE matview = 'broken'::regclass
EOS
	't', 'the broken view backs off');

# The other jobs go on regardless.
$node->safe_psql('postgres',
	"INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at) "
	  . "VALUES (1, 2, 1, now() - interval '1 hour')");
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) > 0 FROM leadflow.escalation WHERE lead_id = 1',
	'escalations go on while a view is broken');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT failures > 0 AND last_error IN
	('division by zero', 'canceling statement due to statement timeout')
	AND last_error_at IS NOT NULL
FROM leadflow.worker_status WHERE job = 'matviews'
EOS
	't', 'the status view shows the failures and the last error');

# Fixed, it refreshes; dropped, it is forgotten.
$node->safe_psql('postgres', 'TRUNCATE fail');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT last_status = 'ok' FROM leadflow.refresh_schedule
WHERE matview = 'broken'::regclass
EOS
	'the fixed view refreshes after its back-off');
$node->safe_psql('postgres',
	'DROP MATERIALIZED VIEW broken; DROP MATERIALIZED VIEW sleepy');
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 1 FROM leadflow.refresh_schedule",
	'dropped views leave the schedule');

# Random writes from several sessions while the rollups are refreshed
# every second; once the writes stop and a refresh has run, the rollups
# equal a full recomputation.  A touch locks its lead as it finds it, as
# an application would: without the lock another session could delete
# the lead between the look and the touch's foreign key check.
my $reference = <<'EOS';
SELECT (received_at AT TIME ZONE '%s')::date AS day, campaign_id, rep_id,
	channel, count(*) AS leads,
	count(*) FILTER (WHERE duplicate_of IS NULL) AS unique_leads,
	count(first_response_at) AS responded,
	sum(outbound_touches) AS outbound,
	count(coalesce(reached_at, potential_at, hot_at, won_at))
		FILTER (WHERE duplicate_of IS NULL) AS reached,
	count(*) FILTER (WHERE duplicate_of IS NULL AND stage = 'won') AS won,
	count(reached_at) AS reached_any,
	count(*) FILTER (WHERE stage = 'won') AS won_any,
	count(*) FILTER (WHERE duplicate_of IS NULL AND coalesce(attempting_at,
		reached_at, potential_at, hot_at, won_at) IS NOT NULL) AS attempting,
	count(*) FILTER (WHERE first_response_at IS NOT NULL
		AND assigned_at IS NOT NULL) AS delay_count,
	coalesce(sum(greatest(0, extract(epoch FROM first_response_at
		- greatest(assigned_at, received_at))))
		FILTER (WHERE assigned_at IS NOT NULL), 0) AS human_delay,
	(SELECT array_agg(v ORDER BY v) FROM unnest(array_agg(response_wall_s)) v
	 WHERE v IS NOT NULL) AS wall,
	(SELECT array_agg(v ORDER BY v) FROM unnest(array_agg(
		extract(epoch FROM attempting_at - received_at)::float8)
		FILTER (WHERE duplicate_of IS NULL)) v
	 WHERE v IS NOT NULL) AS new_attempting,
	count(*) FILTER (WHERE NOT sla_met OR (first_response_at IS NULL
		AND stage IN ('won', 'lost', 'disqualified')
		AND sla_due_at < closed_at)) AS sla_missed,
	(SELECT array_agg(v ORDER BY v) FROM unnest(array_agg(
		extract(epoch FROM sla_due_at)::float8)
		FILTER (WHERE first_response_at IS NULL AND (stage NOT IN ('won',
			'lost', 'disqualified') OR closed_at IS NULL))) v
	 WHERE v IS NOT NULL) AS sla_open_due
FROM leadflow.lead l GROUP BY 1, 2, 3, 4
EOS
my $compare = <<'EOS';
SELECT count(*) FROM (
	(SELECT day, campaign_id, rep_id, channel, leads, unique_leads,
		responded, outbound_touches_sum, reached, won, reached_any, won_any,
		attempting, delay_count, human_delay_s_sum, latencies_wall_s,
		stage_new_attempting_s, sla_missed, sla_open_due_s
	 FROM leadflow.rollup_daily EXCEPT ALL (%s))
	UNION ALL
	((%s) EXCEPT ALL
	 SELECT day, campaign_id, rep_id, channel, leads, unique_leads,
		responded, outbound_touches_sum, reached, won, reached_any, won_any,
		attempting, delay_count, human_delay_s_sum, latencies_wall_s,
		stage_new_attempting_s, sla_missed, sla_open_due_s
	 FROM leadflow.rollup_daily)) d
EOS
# The rep rollup (day and rep) against the same leads grouped by day and
# rep: it must equal a full recomputation as rollup_daily does.
my $rep_reference = <<'EOS';
SELECT (received_at AT TIME ZONE '%s')::date AS day, rep_id,
	count(*) AS leads, count(first_response_at) AS responded,
	sum(outbound_touches) AS outbound, count(reached_at) AS reached_any,
	count(*) FILTER (WHERE stage = 'won') AS won_any,
	count(*) FILTER (WHERE first_response_at IS NOT NULL
		AND assigned_at IS NOT NULL) AS delay_count,
	coalesce(sum(greatest(0, extract(epoch FROM first_response_at
		- greatest(assigned_at, received_at))))
		FILTER (WHERE assigned_at IS NOT NULL), 0) AS human_delay,
	(SELECT array_agg(v ORDER BY v) FROM unnest(array_agg(response_wall_s)) v
	 WHERE v IS NOT NULL) AS wall
FROM leadflow.lead l GROUP BY 1, 2
EOS
my $rep_compare = <<'EOS';
SELECT count(*) FROM (
	(SELECT day, rep_id, leads, responded, outbound_touches_sum, reached_any,
		won_any, delay_count, human_delay_s_sum, latencies_wall_s
	 FROM leadflow.rollup_rep_daily EXCEPT ALL (%s))
	UNION ALL
	((%s) EXCEPT ALL
	 SELECT day, rep_id, leads, responded, outbound_touches_sum, reached_any,
		won_any, delay_count, human_delay_s_sum, latencies_wall_s
	 FROM leadflow.rollup_rep_daily)) d
EOS
# The campaign rollup (day, campaign and channel) likewise.
my $campaign_reference = <<'EOS';
SELECT (received_at AT TIME ZONE '%s')::date AS day, campaign_id, channel,
	count(*) AS leads, count(*) FILTER (WHERE duplicate_of IS NULL) AS uniq,
	count(coalesce(reached_at, potential_at, hot_at, won_at))
		FILTER (WHERE duplicate_of IS NULL) AS reached,
	count(*) FILTER (WHERE duplicate_of IS NULL AND stage = 'won') AS won,
	coalesce(sum(score), 0) AS score_sum, count(score) AS scored
FROM leadflow.lead l GROUP BY 1, 2, 3
EOS
my $campaign_compare = <<'EOS';
SELECT count(*) FROM (
	(SELECT day, campaign_id, channel, leads, unique_leads, reached, won,
		score_sum, scored
	 FROM leadflow.rollup_campaign_daily EXCEPT ALL (%s))
	UNION ALL
	((%s) EXCEPT ALL
	 SELECT day, campaign_id, channel, leads, unique_leads, reached, won,
		score_sum, scored
	 FROM leadflow.rollup_campaign_daily)) d
EOS
# rollups_differ(ZONE): how many rows of the rollups (by day, campaign,
# rep and channel, by day and rep, and by day, campaign and channel)
# differ from a full recomputation in ZONE, read in one snapshot in which
# the rollups are cut in ZONE and no logged change waits, so that the
# escalation job writing to leads meanwhile cannot make a difference
# appear.  Waits for such a snapshot; on a difference, shows the
# refreshes of the last minute.
sub rollups_differ
{
	my ($zone) = @_;
	my $full = sprintf($reference, $zone);
	my $rep_full = sprintf($rep_reference, $zone);
	my $campaign_full = sprintf($campaign_reference, $zone);
	my $sql = sprintf(<<'EOS', $zone, sprintf($compare, $full, $full),
SELECT CASE WHEN EXISTS (SELECT FROM leadflow.rollup_delta)
	OR (SELECT time_zone FROM leadflow.rollup_state) IS DISTINCT FROM '%s'
	THEN 'pending' ELSE ((%s) + (%s) + (%s))::text END
EOS
		sprintf($rep_compare, $rep_full, $rep_full),
		sprintf($campaign_compare, $campaign_full, $campaign_full));
	my $result = 'pending';
	foreach (1 .. 600)
	{
		$result = $node->safe_psql('postgres', $sql);
		last if $result ne 'pending';
		select(undef, undef, undef, 0.1);
	}
	diag($node->safe_psql('postgres', <<'EOS')) if $result ne '0';
SELECT string_agg(format('%s %s-%s %s %s', run_id, started, ended, status,
	message), E'\n' ORDER BY run_id)
FROM leadflow.job_run
WHERE job = 'rollup' AND started > now() - interval '1 minute'
EOS
	return $result;
}

# The escalation rollup against a count over the ledger by day fired.
my $escalations = <<'EOS';
SELECT count(*) FROM (
	(SELECT day, rep_id, step, action, fired, reassigned
	 FROM leadflow.rollup_escalation_daily
	 EXCEPT ALL
	 SELECT (fired_at AT TIME ZONE '%1$s')::date, rep_id, step, action,
		count(*), count(*) FILTER (WHERE outcome = 'reassigned')
	 FROM leadflow.escalation GROUP BY 1, 2, 3, 4)
	UNION ALL
	(SELECT (fired_at AT TIME ZONE '%1$s')::date, rep_id, step, action,
		count(*), count(*) FILTER (WHERE outcome = 'reassigned')
	 FROM leadflow.escalation GROUP BY 1, 2, 3, 4
	 EXCEPT ALL
	 SELECT day, rep_id, step, action, fired, reassigned
	 FROM leadflow.rollup_escalation_daily)) d
EOS
my $writes = <<'EOS';
\set lead random(1000, 1400)
\set day random(0, 20)
INSERT INTO leadflow.lead (lead_id, received_at, channel, campaign_id, rep_id, phone_raw)
VALUES (:lead, '2024-05-01'::timestamptz + :day * interval '7 hours',
	CASE WHEN :day % 2 = 0 THEN 'web' ELSE 'event' END,
	NULLIF(:day % 3, 0), NULLIF(:lead % 4, 0) % 3 + 1, '0912' || :lead)
ON CONFLICT (lead_id) DO UPDATE SET rep_id = (excluded.rep_id % 3) + 1,
	received_at = excluded.received_at + interval '5 hours';
INSERT INTO leadflow.touch (lead_id, kind, direction, outcome)
SELECT lead_id, 'call', 'outbound', 'connected' FROM leadflow.lead
WHERE lead_id = :lead + 1 FOR KEY SHARE;
DELETE FROM leadflow.touch WHERE lead_id = :lead - 1
	AND touch_id = (SELECT min(touch_id) FROM leadflow.touch WHERE lead_id = :lead - 1);
UPDATE leadflow.lead SET stage = 'won' WHERE lead_id = :lead + 2 AND stage <> 'won';
DELETE FROM leadflow.lead WHERE lead_id = :lead + 3
	AND NOT EXISTS (SELECT FROM leadflow.touch WHERE lead_id = :lead + 3);
EOS
$node->pgbench(
	'--no-vacuum --client=4 --jobs=2 --transactions=150',
	0, [qr/processed: 600\/600/], [qr/^$/],
	'random writes from four sessions', { 'leadflow_writes' => $writes });
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 0 FROM leadflow.rollup_delta',
	'a refresh took every mark');
is(rollups_differ('UTC'), '0', 'the rollups equal a full recomputation');
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT (' . sprintf($escalations, 'UTC') . ') = 0',
	'the escalation rollup equals a count over the ledger');
cmp_ok($node->safe_psql('postgres',
		'SELECT count(*) FROM leadflow.rollup_daily'),
	'>', 10, 'over many buckets');

# A new time zone: the next refresh rebuilds everything in it.
$node->append_conf('postgresql.conf',
	"leadflow.rollup_time_zone = 'Asia/Ho_Chi_Minh'\n");
$node->reload;
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT time_zone = 'Asia/Ho_Chi_Minh' FROM leadflow.rollup_state",
	'the rollups were rebuilt in the new time zone');
is(rollups_differ('Asia/Ho_Chi_Minh'), '0',
	'and equal a full recomputation there');
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT (' . sprintf($escalations, 'Asia/Ho_Chi_Minh') . ') = 0',
	'the escalation rollup too');

# A job worker that started before a reload and then waited for the
# rollups' lock must refresh in the new zone: were it to rebuild in the
# zone it started with, it would undo the rebuild another refresh made in
# the new zone meanwhile, and the rollups would flap between the two.
my $holder = $node->background_psql('postgres');
$holder->query_safe(
	'BEGIN; LOCK TABLE leadflow.rollup_daily IN SHARE ROW EXCLUSIVE MODE');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE NOT l.granted AND a.backend_type = 'leadflow rollup'
  AND l.relation = 'leadflow.rollup_daily'::regclass
EOS
	'a refresh waits for the lock');
my $reloaded_at = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
$node->append_conf('postgresql.conf',
	"leadflow.rollup_time_zone = 'America/Sao_Paulo'\n");
$node->reload;
my $seen = '';
foreach (1 .. 100)
{
	$seen = $holder->query_safe('SHOW leadflow.rollup_time_zone');
	last if $seen eq 'America/Sao_Paulo';
	$holder->query_safe('SELECT pg_sleep(0.05)');
}
is($seen, 'America/Sao_Paulo', 'the holding session sees the new zone');
$holder->query_safe('SELECT leadflow.refresh_metrics(false); COMMIT');
$holder->quit;
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) = 0 FROM pg_locks l
WHERE NOT l.granted AND l.relation = 'leadflow.rollup_daily'::regclass
EOS
	'the waiting refresh went on');
LeadflowWorker::wait_until($node, 'postgres', <<"EOS",
SELECT count(*) >= 2 FROM leadflow.job_run
WHERE job = 'rollup' AND NOT manual AND status = 'ok'
  AND ended > '$reloaded_at'
EOS
	'refreshes ran after the reload');
is( $node->safe_psql(
		'postgres', <<"EOS"),
SELECT string_agg(DISTINCT message, '; ') FROM leadflow.job_run
WHERE job = 'rollup' AND ended > '$reloaded_at'
  AND message LIKE 'rebuilt in full%'
EOS
	'rebuilt in full for time zone "America/Sao_Paulo"',
	'no refresh went back to the old zone');
is(rollups_differ('America/Sao_Paulo'), '0',
	'and the rollups equal a full recomputation in the new zone');
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT (' . sprintf($escalations, 'America/Sao_Paulo') . ') = 0',
	'the escalation rollup too');

# Restoring: no job runs in the database until post_restore().
$node->safe_psql('postgres', 'SELECT leadflow.pre_restore()');
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT database_state = 'restoring' FROM leadflow.worker_status "
	  . "WHERE job = 'probe'",
	'a database being restored is left alone');
my $runs = $node->safe_psql('postgres', 'SELECT count(*) FROM leadflow.job_run');
sleep 2;
is($node->safe_psql('postgres', 'SELECT count(*) FROM leadflow.job_run'),
	$runs, 'no run while restoring');
$node->safe_psql('postgres', 'SELECT leadflow.post_restore()');
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT database_state = 'ready' FROM leadflow.worker_status "
	  . "WHERE job = 'probe'",
	'jobs resume after post_restore()');

# Runs older than leadflow.job_history_days go at the next prune, which
# runs first thing after a restart.
$node->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.job_run (job, started, ended, status)
VALUES ('rollup', now() - interval '30 days', now() - interval '30 days', 'ok');
EOS
$node->restart;
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 0 FROM leadflow.job_run WHERE started < now() - interval '14 days'",
	'old runs are pruned');

# No free worker slot (the launcher and the logical replication launcher
# take both): said once, with a hint, and retried.
my $log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "max_worker_processes = 2\n");
$node->restart;
ok( $node->wait_for_log(
		qr/WARNING:  could not start a leadflow job worker: no background worker slot is free.*\n(.*\n)?.*HINT:  Increase max_worker_processes/,
		$log_offset),
	'a missing worker slot is reported with a hint');
sleep 3;
my $log = slurp_file($node->logfile, $log_offset);
my @said = ($log =~ /no background worker slot is free/g);
is(scalar @said, 1, 'once, not every second');

$node->stop;
done_testing();
