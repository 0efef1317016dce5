# tests/worker/t/007_restore.pl
#
# pg_dump and pg_restore under a running worker: the escalation ledger is
# dumped with the leads, the worker keeps away from the database while
# leadflow.restoring is on, and after leadflow.post_restore() the restored
# leads go on with their ladders without firing any step twice.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = LeadflowWorker::node('restore');
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION leadflow');

# Steps 1 s, 2 s and 3 s after due on an allowance of one hour: the
# ladder is half way when the dump is taken.
LeadflowWorker::org($node, 'src', '1 hour');
$node->safe_psql('src', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at)
SELECT i, 2, 1, now() - interval '1 hour 2.5 seconds'
FROM generate_series(1, 10) i;
EOS
LeadflowWorker::wait_until($node, 'src',
	'SELECT count(*) = 20 FROM leadflow.escalation',
	'steps 1 and 2 fired in the source');
$node->safe_psql('src', <<'EOS');
ALTER SYSTEM SET leadflow.jobs_enabled = off;
SELECT pg_reload_conf();
EOS
sleep 2;
my $fired = $node->safe_psql('src', 'SELECT count(*) FROM leadflow.escalation');

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ],
	'pg_dump of the source');
$node->safe_psql('src', <<'EOS');
ALTER SYSTEM RESET leadflow.jobs_enabled;
SELECT pg_reload_conf();
EOS

# The target is marked as being restored before anything is in it.
$node->safe_psql('postgres', <<'EOS');
CREATE DATABASE dst;
ALTER DATABASE dst SET leadflow.restoring = on;
EOS
{
	local $ENV{PGOPTIONS} = '-c session_replication_role=replica';
	$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), $dump ],
		'pg_restore into the marked database');
}
is($node->safe_psql('dst', 'SELECT count(*) FROM leadflow.escalation'),
	$fired, 'the ledger came back with the leads');
LeadflowWorker::wait_until($node, 'src',
	"SELECT database_state = 'restoring' FROM leadflow.worker_status "
	  . "WHERE database = 'dst' AND job = 'probe'",
	'the worker leaves the database alone while it is restored');
is($node->safe_psql('dst', 'SELECT count(*) FROM leadflow.escalation_queue'),
	'0', 'nothing queued yet: the triggers were quiet during the restore');

$node->safe_psql('dst', 'SELECT leadflow.post_restore()');
LeadflowWorker::wait_until($node, 'dst',
	'SELECT count(*) = 30 FROM leadflow.escalation',
	'after post_restore() the restored leads finish their ladders');
is( $node->safe_psql(
		'dst', <<'EOS'),
SELECT count(*) || ' ' || count(DISTINCT (lead_id, step))
FROM leadflow.escalation
EOS
	'30 30', 'no step fired twice across the dump and restore');
LeadflowWorker::wait_until($node, 'dst',
	'SELECT count(*) > 0 FROM leadflow.rollup_daily',
	'the rollups were rebuilt from the restored leads');

$node->stop;
done_testing();
