# tests/worker/t/004_databases.pl
#
# Databases and roles come and go under the running worker: an extension
# created after start is picked up at once, a dropped one stops being
# served; DROP DATABASE, ALTER DATABASE ... RENAME and CREATE DATABASE ...
# TEMPLATE are never blocked, not even by a long job; leadflow.databases
# limits the databases served; a missing worker role, or one that cannot
# log in, is logged once and nothing runs until it is fixed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

# A long naptime: a new extension must be found through the wake-up that
# CREATE EXTENSION sends, not by the periodic look.
my $node = LeadflowWorker::node('databases',
	"leadflow.launcher_naptime = 300\nleadflow.job_timeout = 60000\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->safe_psql('postgres', 'CREATE DATABASE scratch');

my $state_sql = "SELECT database_state FROM leadflow.worker_status "
  . "WHERE job = 'probe' AND database = '%s'";

# The status view works from any database with leadflow installed.
$node->safe_psql('postgres', 'CREATE EXTENSION leadflow');
LeadflowWorker::wait_until($node, 'postgres',
	sprintf("SELECT %s = 'ready' FROM (%s) s", 'database_state',
		sprintf($state_sql, 'postgres')),
	'postgres is ready');
is($node->safe_psql('postgres', sprintf($state_sql, 'sales')),
	'not installed', 'sales has no leadflow yet');

# Installed later: picked up long before the 300 s naptime.
my $t0 = time;
$node->safe_psql('sales', 'CREATE EXTENSION leadflow');
LeadflowWorker::wait_until($node, 'postgres',
	sprintf("SELECT database_state = 'ready' FROM (%s) s",
		sprintf($state_sql, 'sales')),
	'sales is served once leadflow is installed there');
cmp_ok(time - $t0, '<', 10, 'within seconds of CREATE EXTENSION');
LeadflowWorker::org($node, 'sales');
$node->safe_psql('sales',
	"INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at) "
	  . "VALUES (1, 2, 1, now() - interval '1 hour')");
LeadflowWorker::wait_until($node, 'sales',
	'SELECT count(*) > 0 FROM leadflow.escalation',
	'jobs run in sales');

# Dropped: the database stops being served.
$node->safe_psql('sales', 'DROP EXTENSION leadflow');
LeadflowWorker::wait_until($node, 'postgres',
	sprintf("SELECT database_state = 'not installed' FROM (%s) s",
		sprintf($state_sql, 'sales')),
	'sales is not served after DROP EXTENSION');
ok($node->log_contains(
		qr/leadflow stopped running jobs in database "sales"/),
	'the launcher says it stopped');

# A database with a job that takes long (a registered view that sleeps)
# is dropped at once: the guard ends the job instead of waiting for it.
$node->safe_psql('scratch', <<'EOS');
CREATE EXTENSION leadflow;
CREATE MATERIALIZED VIEW slow AS SELECT 1 AS one FROM pg_sleep(30) WITH NO DATA;
SELECT leadflow.schedule_refresh('slow', '1 hour');
EOS
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) = 1 FROM pg_stat_activity
WHERE backend_type = 'leadflow matviews' AND datname = 'scratch'
EOS
	'a long refresh runs in scratch');
$t0 = time;
$node->safe_psql('postgres', 'DROP DATABASE scratch');
cmp_ok(time - $t0, '<', 3, 'DROP DATABASE did not wait for the job');
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT count(*) = 0 FROM leadflow.worker_status WHERE database = 'scratch'",
	'the dropped database leaves the status view');

# While jobs run every second in postgres and sales, database-level DDL
# that needs them idle goes through at once, many times over.
$node->safe_psql('sales', 'CREATE EXTENSION leadflow');
LeadflowWorker::wait_until($node, 'postgres',
	sprintf("SELECT database_state = 'ready' FROM (%s) s",
		sprintf($state_sql, 'sales')),
	'sales is served again');
my $slowest = 0;
foreach my $i (1 .. 5)
{
	$t0 = time;
	$node->safe_psql('postgres', 'ALTER DATABASE sales RENAME TO sales2');
	$node->safe_psql('postgres', 'ALTER DATABASE sales2 RENAME TO sales');
	$node->safe_psql('postgres', 'CREATE DATABASE copy TEMPLATE sales');
	$node->safe_psql('postgres', 'DROP DATABASE copy');
	my $took = time - $t0;
	$slowest = $took if $took > $slowest;
	select(undef, undef, undef, 0.3);
}
cmp_ok($slowest, '<', 3,
	'rename, copy from template and drop never waited for the worker');

# leadflow.databases: only the listed databases are served.
$node->append_conf('postgresql.conf', "leadflow.databases = 'sales'\n");
$node->reload;
LeadflowWorker::wait_until($node, 'sales',
	"SELECT count(*) = 0 FROM leadflow.worker_status "
	  . "WHERE database = 'postgres'",
	'postgres is no longer served when leadflow.databases names sales only');
$node->append_conf('postgresql.conf', "leadflow.databases = ''\n");
$node->reload;

# A worker role that does not exist: logged once, nothing runs.
my $log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "leadflow.worker_role = 'clerk'\n");
$node->reload;
LeadflowWorker::wait_until($node, 'postgres',
	sprintf("SELECT database_state = 'no role' FROM (%s) s",
		sprintf($state_sql, 'sales')),
	'sales waits for the missing role');
ok( $node->wait_for_log(
		qr/leadflow runs no job in database "sales".*\n.*DETAIL:  Role "clerk" named in leadflow.worker_role does not exist/,
		$log_offset),
	'the missing role is logged with the reason');
sleep 3;
my $log = slurp_file($node->logfile, $log_offset);
my @said = ($log =~ /leadflow runs no job in database "sales"/g);
is(scalar @said, 1, 'and logged once only');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type "
		  . "LIKE 'leadflow %' AND backend_type NOT IN "
		  . "('leadflow launcher', 'leadflow probe')"),
	'0', 'no job runs meanwhile');

# The role appears but cannot log in: still nothing.
$node->safe_psql('postgres', 'CREATE ROLE clerk NOLOGIN');
$node->reload;
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT true FROM pg_sleep(2)", 'time for another look');
is($node->safe_psql('postgres', sprintf($state_sql, 'sales')),
	'no role', 'a role that cannot log in is not used');

# Allowed to log in and given the rights it needs: jobs run as clerk.
$node->safe_psql('sales', <<'EOS');
ALTER ROLE clerk LOGIN;
GRANT USAGE ON SCHEMA leadflow TO clerk;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA leadflow TO clerk;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA leadflow TO clerk;
EOS
$node->reload;
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT database_state = 'ready' AND run_as = 'clerk' AND last_status = 'ok'
FROM leadflow.worker_status WHERE database = 'sales' AND job = 'rollup'
EOS
	'with a usable role the jobs run again, as that role');

$node->stop;
done_testing();
