# tests/worker/t/005_standby.pl
#
# A hot standby made with pg_basebackup runs nothing: no launcher, no job,
# though overdue leads replicate to it.  Once promoted, it escalates them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The primary keeps its jobs off, so the leads stay for the standby.
my $primary = LeadflowWorker::node('primary', "leadflow.jobs_enabled = off\n",
	allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION leadflow');
LeadflowWorker::org($primary, 'postgres');
$primary->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at)
SELECT i, 2, 1, now() - interval '1 hour' FROM generate_series(1, 5) i;
EOS

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf',
	"leadflow.jobs_enabled = on\n");
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'the standby is in recovery');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM leadflow.lead'),
	'5', 'the overdue leads replicated');
sleep 3;
is( $standby->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'leadflow %'"
	),
	'0',
	'no launcher and no job worker on the standby');
ok(!$standby->log_contains(qr/leadflow launcher started/),
	'the launcher never started on the standby');

# The primary goes away; the promoted standby does the work.
$primary->stop;
$standby->promote;
LeadflowWorker::wait_until($standby, 'postgres',
	'SELECT count(*) = 5 FROM leadflow.escalation',
	'after promotion the first step of every overdue lead fires');
ok($standby->log_contains(qr/leadflow launcher started/),
	'the launcher started with the promotion');

$standby->stop;
done_testing();
