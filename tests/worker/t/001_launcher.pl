# tests/worker/t/001_launcher.pl
#
# The launcher starts with a preloaded server, shows in pg_stat_activity
# under a readable name, applies SIGHUP, is restarted by the postmaster
# after SIGTERM, and stays away when the library is not preloaded.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('launcher');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'leadflow'\n");
$node->start;

my $launcher_pid_sql =
  "SELECT pid FROM pg_stat_activity WHERE backend_type = 'leadflow launcher'";

ok($node->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_stat_activity "
	  . "WHERE backend_type = 'leadflow launcher' "
	  . "AND application_name = 'leadflow launcher'"),
	'launcher visible in pg_stat_activity');
my $pid = $node->safe_psql('postgres', $launcher_pid_sql);
like($pid, qr/^\d+$/, 'launcher has a pid');

# SIGHUP: the new naptime is logged by the launcher itself.
my $log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "leadflow.launcher_naptime = 5\n");
$node->reload;
ok($node->wait_for_log(
	qr/leadflow launcher naptime changed from 30 s to 5 s/, $log_offset),
	'launcher applies SIGHUP');

# SIGTERM ends the launcher at once; the postmaster starts a new one.
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity "
	  . "WHERE backend_type = 'leadflow launcher' AND pid <> $pid"),
	'launcher restarted after SIGTERM');

# Without preloading there is no launcher, and the extension still works.
$node->append_conf('postgresql.conf', "shared_preload_libraries = ''\n");
$node->restart;
is($node->safe_psql('postgres',
	"SELECT count(*) FROM pg_stat_activity "
	  . "WHERE backend_type = 'leadflow launcher'"),
	'0', 'no launcher without shared_preload_libraries');
$node->safe_psql('postgres', 'CREATE EXTENSION leadflow');
is($node->safe_psql('postgres', 'SELECT leadflow.version()'),
	'0.1.0', 'version() works without preloading');
my ($ret, $stdout, $stderr) =
  $node->psql('postgres', 'SELECT * FROM leadflow.worker_status');
like($stderr,
	qr/leadflow background worker is not running.*HINT:  Add "leadflow" to shared_preload_libraries/s,
	'the status view says why it has nothing to show, and what to do');
is($node->safe_psql('postgres', 'SELECT leadflow.run_escalations()'),
	'0', 'manual runs work without preloading');

$node->stop;
done_testing();
