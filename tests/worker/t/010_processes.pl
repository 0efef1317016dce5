# tests/worker/t/010_processes.pl
#
# What the worker's processes hold and show.  The launcher waits between
# turns idle, with no transaction and no snapshot.  A job worker runs as
# the worker role, not as the bootstrap superuser, with no parallel
# workers, search_path pg_catalog, pg_temp, its type as application name
# and its step as query.  A database that stops allowing connections is
# let go without errors, and served again once it allows them.  A job
# waits for a transaction dropping the extension, and goes on when it
# rolls back.  SIGTERM to the launcher ends the job worker it was running
# at once.  A run that ignores cancellation is sent SIGINT, then SIGTERM,
# past leadflow.job_timeout.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = LeadflowWorker::node('processes', "leadflow.worker_role = 'clerk'\n");
$node->start;
$node->safe_psql('postgres', <<'EOS');
CREATE ROLE clerk LOGIN;
CREATE EXTENSION leadflow;
GRANT USAGE ON SCHEMA leadflow TO clerk;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA leadflow TO clerk;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA leadflow TO clerk;
EOS

# The launcher between turns: idle, no transaction, no snapshot.  Its
# looks at the databases take a few milliseconds once a second, so most
# samples find it waiting and none finds a transaction older than that.
my $launcher_sql = <<'EOS';
SELECT state || ' ' || (xact_start IS NULL) || ' ' || (backend_xmin IS NULL)
	|| ' ' || coalesce(now() - xact_start > interval '1 second', false)
FROM pg_stat_activity WHERE backend_type = 'leadflow launcher'
EOS
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity "
	  . "WHERE backend_type = 'leadflow launcher'",
	'the launcher runs');
my %seen;
for (1 .. 20)
{
	$seen{ $node->safe_psql('postgres', $launcher_sql) }++;
	usleep(100_000);
}
cmp_ok($seen{'idle true true false'} // 0, '>=', 16,
	'the launcher waits idle, with no transaction and no snapshot')
  or diag(explain \%seen);
ok(!grep({ / true$/ } keys %seen),
	'the launcher never holds a transaction for a second');

# A job worker's settings and identity, as a materialised view refreshed
# by the worker records them.
$node->safe_psql('postgres', <<'EOS');
CREATE MATERIALIZED VIEW public.env_probe AS
SELECT current_user::text AS run_as,
	(SELECT rolsuper FROM pg_catalog.pg_roles
	 WHERE rolname = current_user) AS superuser,
	current_setting('max_parallel_workers_per_gather') AS parallel,
	current_setting('search_path') AS search_path,
	current_setting('application_name') AS app,
	a.backend_type, a.state, a.query
FROM pg_catalog.pg_stat_activity a
WHERE a.pid = pg_catalog.pg_backend_pid()
WITH NO DATA;
ALTER MATERIALIZED VIEW public.env_probe OWNER TO clerk;
SELECT leadflow.schedule_refresh('public.env_probe', '1 hour');
EOS
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT relispopulated FROM pg_class WHERE relname = 'env_probe'",
	'the worker refreshed the probe view');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT run_as || ' | ' || superuser || ' | ' || parallel || ' | '
	|| search_path || ' | ' || app || ' | ' || backend_type || ' | '
	|| state || ' | ' || query
FROM public.env_probe
EOS
	'clerk | false | 0 | pg_catalog, pg_temp | leadflow matviews | '
	  . 'leadflow matviews | active | leadflow matviews in "postgres"',
	'the job worker runs as the worker role, without parallel workers, '
	  . 'with a fixed search_path, and shows its job and step');

# A database that stops allowing connections is let go, logged once,
# without connection errors; allowed again, it is served again.
$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->safe_psql('sales', <<'EOS');
CREATE EXTENSION leadflow;
GRANT USAGE ON SCHEMA leadflow TO clerk;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA leadflow TO clerk;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA leadflow TO clerk;
EOS
my $served_sql = "SELECT count(*) > 0 FROM leadflow.worker_status "
  . "WHERE database = 'sales' AND database_state = 'ready'";
LeadflowWorker::wait_until($node, 'postgres', $served_sql,
	'sales is served');
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres',
	'ALTER DATABASE sales WITH ALLOW_CONNECTIONS false');
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 0 FROM leadflow.worker_status "
	  . "WHERE database = 'sales'",
	'sales is let go once it refuses connections');
sleep 3;
my $log = slurp_file($node->logfile, $log_offset);
my @stopped = ($log =~ /leadflow stopped serving database "sales"/g);
is(scalar @stopped, 1, 'letting it go is logged once');
unlike($log, qr/not currently accepting connections|FATAL/,
	'no job worker tried to connect to it');
$node->safe_psql('postgres',
	'ALTER DATABASE sales WITH ALLOW_CONNECTIONS true');
LeadflowWorker::wait_until($node, 'postgres', $served_sql,
	'sales is served again once it allows connections');

# A transaction dropping the extension: the jobs that start meanwhile wait
# for it on the extension's lock, and go on when it rolls back.
my $dropper = $node->background_psql('sales');
$dropper->query_safe('BEGIN');
$dropper->query_safe('DROP EXTENSION leadflow');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) > 0 FROM pg_stat_activity
WHERE backend_type LIKE 'leadflow %' AND datname = 'sales'
  AND wait_event_type = 'Lock' AND wait_event = 'object'
EOS
	'a job waits for the transaction dropping the extension');
$log_offset = -s $node->logfile;
$dropper->query_safe('ROLLBACK');
$dropper->quit;
my $rolled_back = $node->safe_psql('sales', 'SELECT now()');
LeadflowWorker::wait_until($node, 'sales', <<"EOS",
SELECT count(*) > 0 FROM leadflow.job_run
WHERE status = 'ok' AND started > '$rolled_back'
EOS
	'after the rollback the jobs run again');
$log = slurp_file($node->logfile, $log_offset);
unlike($log, qr/ERROR|FATAL|leadflow stopped/,
	'the jobs that waited met no error and nothing was let go');

# SIGTERM to the launcher while a job worker of its runs a long refresh:
# the job worker ends at once, not when the refresh would have ended.
$node->safe_psql('postgres', <<'EOS');
CREATE MATERIALIZED VIEW public.sleepy AS
SELECT 1 AS one FROM pg_catalog.pg_sleep(60) WITH NO DATA;
ALTER MATERIALIZED VIEW public.sleepy OWNER TO clerk;
SELECT leadflow.schedule_refresh('public.sleepy', '1 hour');
EOS
my $job_sql = "SELECT pid FROM pg_stat_activity "
  . "WHERE backend_type = 'leadflow matviews' "
  . "AND wait_event = 'PgSleep'";
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 1 FROM ($job_sql) s",
	'a job worker is busy refreshing the slow view');
my $job_pid = $node->safe_psql('postgres', $job_sql);
my $launcher_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity "
	  . "WHERE backend_type = 'leadflow launcher'");
my $t0 = time();
$node->safe_psql('postgres', "SELECT pg_terminate_backend($launcher_pid)");
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $job_pid",
	'the job worker ends with its launcher');
cmp_ok(time() - $t0, '<', 5, 'at once, not after the refresh');

# A refresh that catches every cancellation: its own statement timeout
# (leadflow.job_timeout, 2 s) and the launcher's SIGINT 5 s later do not
# end it; the launcher's SIGTERM 5 s after that does, about 12 s after it
# began.  The slow view's refresh, started again by the new launcher, is
# unscheduled and ended first.  The function publishes its pid through a
# sequence, which transactions do not hide.
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity "
	  . "WHERE backend_type = 'leadflow launcher'",
	'the launcher is back');
$node->safe_psql('postgres', <<'EOS');
SELECT leadflow.unschedule_refresh('public.sleepy');
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE backend_type = 'leadflow matviews';
EOS
$node->append_conf('postgresql.conf', "leadflow.job_timeout = 2000\n");
$node->reload;
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT current_setting('leadflow.job_timeout') = '2s'",
	'the shorter job timeout is in force');
$node->safe_psql('postgres', <<'EOS');
CREATE SEQUENCE public.stubborn_pid;
GRANT USAGE, UPDATE ON SEQUENCE public.stubborn_pid TO clerk;
CREATE FUNCTION public.stubborn() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	cancels int := 0;
BEGIN
	PERFORM pg_catalog.setval('public.stubborn_pid', pg_catalog.pg_backend_pid());
	FOR i IN 1..120 LOOP
		BEGIN
			PERFORM pg_catalog.pg_sleep(0.5);
		EXCEPTION WHEN query_canceled THEN
			cancels := cancels + 1;
		END;
	END LOOP;
	RETURN cancels;
END
$$;
CREATE MATERIALIZED VIEW public.stubborn_view AS
SELECT public.stubborn() AS cancels WITH NO DATA;
ALTER MATERIALIZED VIEW public.stubborn_view OWNER TO clerk;
SELECT leadflow.schedule_refresh('public.stubborn_view', '1 hour');
EOS
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT is_called FROM public.stubborn_pid',
	'a job worker runs the stubborn refresh');
my $t1 = time();
my $stubborn_pid = $node->safe_psql('postgres',
	'SELECT last_value FROM public.stubborn_pid');
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $stubborn_pid",
	'the launcher ends the stubborn run');
my $took = time() - $t1;
ok($took > 10 && $took < 20,
	"by SIGTERM after the timeout and both grace periods ($took s)");
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT last_status || ': ' || last_error FROM leadflow.worker_status
WHERE database = 'postgres' AND job = 'matviews'
EOS
	'failed: job worker exited before finishing; the server log has the reason',
	'the run is recorded as failed');
like(slurp_file($node->logfile),
	qr/\[$stubborn_pid\] FATAL:  terminating background worker "leadflow matviews" due to administrator command/,
	'and the log says it was terminated');

$node->stop;
done_testing();
