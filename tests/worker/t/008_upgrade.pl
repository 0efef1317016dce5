# tests/worker/t/008_upgrade.pl
#
# pg_upgrade of a cluster that preloads leadflow, into a new cluster that
# preloads it too with every job interval at one second: pg_upgrade
# succeeds; neither of the servers it starts runs any of leadflow's
# processes (no launcher registered or started, no job worker, no row
# written by a job); the upgraded cluster keeps the ledger and the run
# history, and its worker then escalates the leads that fell due before
# the upgrade.
use strict;
use warnings;
use Cwd;
use File::Find;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $old = LeadflowWorker::node('old');
$old->start;
$old->safe_psql('postgres', 'CREATE EXTENSION leadflow');
LeadflowWorker::org($old, 'postgres', '2 seconds', 'NULL');

# Leads 1 to 3 go through the whole ladder on the old cluster.
$old->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at)
SELECT i, 2, 1, now() - interval '1 hour' FROM generate_series(1, 3) i;
EOS
LeadflowWorker::wait_until($old, 'postgres',
	'SELECT count(*) = 9 FROM leadflow.escalation',
	'the old cluster escalates leads 1 to 3 through the ladder');

# Leads 11 to 20 are long overdue but get no step on the old cluster: its
# jobs are paused while they arrive, and enabled again for its next start
# (by pg_upgrade), so that either server would escalate them if it ran
# leadflow's jobs.
$old->safe_psql('postgres',
	'ALTER SYSTEM SET leadflow.jobs_enabled = off');
$old->reload;
$old->poll_query_until('postgres',
	"SELECT current_setting('leadflow.jobs_enabled') = 'off'")
  or die 'the old cluster did not pause its jobs';
# A run started before the reload may still be going: wait for it.
$old->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity "
	  . "WHERE backend_type LIKE 'leadflow %' "
	  . "AND backend_type <> 'leadflow launcher'")
  or die 'a job worker of the old cluster did not end';
$old->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at)
SELECT i, 2, 1, now() - interval '1 hour' FROM generate_series(11, 20) i;
ALTER SYSTEM RESET leadflow.jobs_enabled;
EOS
my $ledger_sql = <<'EOS';
SELECT string_agg(lead_id || ':' || step || ':' || action || ':'
	|| fired_at, ' ' ORDER BY lead_id, step)
FROM leadflow.escalation WHERE lead_id <= 3
EOS
my $old_ledger = $old->safe_psql('postgres', $ledger_sql);
my $old_runs = $old->safe_psql('postgres',
	'SELECT count(*) || \':\' || max(run_id) FROM leadflow.job_run');
my $events_sql = "SELECT count(*) || ':' || max(event_id) "
  . "FROM leadflow.lead_event WHERE kind = 'escalated'";
my $old_events = $old->safe_psql('postgres', $events_sql);
is($old->safe_psql('postgres',
		'SELECT count(*) FROM leadflow.escalation WHERE lead_id > 10'),
	'0', 'the overdue leads 11 to 20 have no step before the upgrade');
is($old->safe_psql('postgres',
		'SELECT count(*) FROM leadflow.escalation_queue'),
	'10', 'the overdue leads are queued');
$old->stop;

# The new cluster: the same settings.  pg_upgrade starts both servers
# with log_min_messages at DEBUG1, so that the postmaster's own messages
# about registering and starting background workers would show too.
my $new = LeadflowWorker::node('new');

# pg_upgrade of 15 to 15 with the binaries of this installation; it writes
# into its current directory, so it runs in a fresh temporary one, and
# keeps its logs (--retain) for the checks below.
my $bindir = $new->config_data('--bindir');
my $sockdir = PostgreSQL::Test::Utils::tempdir_short();
my $cwd = getcwd();
chdir(PostgreSQL::Test::Utils::tempdir())
  or die "could not enter a temporary directory: $!";
my $t0 = time();
command_ok(
	[
		"$bindir/pg_upgrade", '--no-sync', '--retain',
		'-d', $old->data_dir, '-D', $new->data_dir,
		'-b', $bindir, '-B', $bindir,
		'-s', $sockdir,
		'-p', $old->port, '-P', $new->port,
		'-o', '-c log_min_messages=debug1',
		'-O', '-c log_min_messages=debug1'
	],
	'pg_upgrade of a cluster that preloads leadflow succeeds');
my $t1 = time();
chdir($cwd) or die "could not return to $cwd: $!";

# The log of the servers pg_upgrade started (both clusters, in turn).
my @server_logs;
find(sub { push @server_logs, $File::Find::name
			if $_ eq 'pg_upgrade_server.log' },
	$new->data_dir . '/pg_upgrade_output.d');
is(scalar @server_logs, 1, 'pg_upgrade kept the log of its servers');
my $upgrade_log = slurp_file($server_logs[0]);
like($upgrade_log, qr/DEBUG:  loaded library "leadflow"/,
	'the servers pg_upgrade started preloaded leadflow, and logged at DEBUG1');
unlike($upgrade_log,
	qr/background worker "leadflow|leadflow launcher|leadflow (?:probe|escalate|rollup|matviews|prune)|leadflow job/,
	'no leadflow process was registered or started while pg_upgrade ran');
unlike($upgrade_log, qr/(?:ERROR|FATAL|PANIC|WARNING):/,
	'the servers pg_upgrade started logged no warning or error');

# The upgraded cluster: first with its jobs paused, to look at the data
# as pg_upgrade left it.
$new->append_conf('postgresql.conf', "leadflow.jobs_enabled = off\n");
$new->start;
is($new->safe_psql('postgres', $ledger_sql), $old_ledger,
	'the ledger came over unchanged');
is($new->safe_psql('postgres',
		'SELECT count(*) || \':\' || max(run_id) FROM leadflow.job_run'),
	$old_runs, 'the run history came over, with no run added');
is($new->safe_psql('postgres',
		'SELECT count(*) FROM leadflow.escalation WHERE lead_id > 10'),
	'0', 'no step fired during the upgrade');
is($new->safe_psql('postgres', $events_sql), $old_events,
	'no escalation event was written during the upgrade');
is($new->safe_psql('postgres', <<"EOS"),
SELECT count(*) FROM leadflow.lead_event WHERE happened_at >= to_timestamp($t0)
EOS
	'0', 'no event at all dates from the upgrade');
is($new->safe_psql('postgres',
		'SELECT count(*) FROM leadflow.escalation_queue'),
	'10', 'the queue came over');

# Jobs on: the worker runs in the upgraded cluster and escalates the
# leads that fell due before the upgrade, each step once.
my $log_offset = -s $new->logfile;
$new->append_conf('postgresql.conf', "leadflow.jobs_enabled = on\n");
$new->restart;
ok($new->wait_for_log(qr/leadflow launcher started/, $log_offset),
	'the launcher starts in the upgraded cluster');
LeadflowWorker::wait_until($new, 'postgres',
	'SELECT count(*) = 30 FROM leadflow.escalation WHERE lead_id > 10',
	'the upgraded cluster escalates the overdue leads');
is($new->safe_psql('postgres', <<"EOS"),
SELECT count(*) || ' ' || count(DISTINCT (lead_id, step)) || ' '
	|| bool_and(fired_at > to_timestamp($t1))
FROM leadflow.escalation WHERE lead_id > 10
EOS
	'30 30 true', 'each step once, all after pg_upgrade ended');
is($new->safe_psql('postgres', $ledger_sql), $old_ledger,
	'the steps fired before the upgrade stay as they were');
is($new->safe_psql('postgres',
		'SELECT string_agg(DISTINCT rep_id::text, \',\') FROM leadflow.lead '
		  . 'WHERE lead_id > 10'),
	'3', 'the overdue leads were reassigned to the spare rep');

$new->stop;
done_testing();
