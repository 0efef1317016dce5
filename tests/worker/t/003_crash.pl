# tests/worker/t/003_crash.pl
#
# Exactly once across crashes: a job worker killed with SIGKILL in the
# middle of a run (the postmaster then restarts the whole server), a
# server stopped with -m immediate in the middle of a burst, and a job
# worker terminated with SIGTERM, which the launcher records and retries.
# Afterwards every step of every lead fired exactly once, and the runs cut
# short are recorded as failed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = LeadflowWorker::node('crash', "restart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION leadflow');
LeadflowWorker::org($node, 'postgres', '1 second', 'NULL');

# Every fired step takes 20 ms, so a run over the burst takes seconds.
$node->safe_psql('postgres', <<'EOS');
CREATE FUNCTION slow_step() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END $$;
CREATE TRIGGER slow_step AFTER INSERT ON leadflow.escalation
	FOR EACH ROW EXECUTE FUNCTION slow_step();
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id)
SELECT i, 2, 1 FROM generate_series(1, 120) i;
EOS

my $busy_sql = <<'EOS';
SELECT pid FROM pg_stat_activity
WHERE backend_type = 'leadflow escalate' AND wait_event = 'PgSleep'
EOS

# Wait for a run in the middle of its work, and kill its process.
sub wait_for_busy_run
{
	my ($what) = @_;
	my $pid = '';
	foreach my $i (1 .. 600)
	{
		$pid = $node->safe_psql('postgres', $busy_sql);
		last if $pid =~ /^\d+$/;
		usleep(50_000);
	}
	like($pid, qr/^\d+$/, $what);
	return $pid;
}

my $log_offset = -s $node->logfile;
my $pid = wait_for_busy_run('a run is busy firing steps');
kill 'KILL', $pid;
ok( $node->wait_for_log(
		qr/all server processes terminated; reinitializing/, $log_offset),
	'the killed job worker made the server restart');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) > 0 FROM leadflow.job_run
WHERE status = 'failed' AND message LIKE 'the run ended without recording%'
EOS
	'after the restart, the killed run is recorded as failed');

# An immediate shutdown in the middle of another busy run.
wait_for_busy_run('another run is busy after the restart');
$node->stop('immediate');
$node->start;

# SIGTERM: the process ends with an error, the launcher notices it.
$pid = wait_for_busy_run('a run is busy after the immediate shutdown');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT failures > 0 AND last_error LIKE 'job worker exited before finishing%'
FROM leadflow.worker_status WHERE job = 'escalate'
EOS
	'the launcher recorded the terminated run');

# Let the rest go fast, and wait for every step of every lead.
$node->safe_psql('postgres',
	'DROP TRIGGER slow_step ON leadflow.escalation');
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 360 FROM leadflow.escalation',
	'all 360 steps of the 120 leads fired in the end');

is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) || ' ' || count(DISTINCT (lead_id, step))
FROM leadflow.escalation
EOS
	'360 360', 'the ledger holds each step once');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) || ' ' || count(DISTINCT (lead_id, details->>'step'))
FROM leadflow.lead_event WHERE kind = 'escalated'
EOS
	'360 360', 'each step is one event: nothing fired twice');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) FROM leadflow.lead l
WHERE (SELECT string_agg(step::text, ',' ORDER BY step)
	   FROM leadflow.escalation e WHERE e.lead_id = l.lead_id)
	IS DISTINCT FROM '1,2,3'
EOS
	'0', 'every lead has exactly steps 1, 2 and 3');
cmp_ok(
	$node->safe_psql(
		'postgres',
		"SELECT count(*) FROM leadflow.job_run WHERE status = 'failed'"),
	'>=', 3,
	'the three runs cut short are recorded as failed');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM leadflow.job_run WHERE status = 'running' " .
		"AND pid NOT IN (SELECT pid FROM pg_stat_activity)"),
	'0', 'no run is left marked as running');

$node->stop;
done_testing();
