# tests/worker/t/020_dump_restore.pl
#
# pg_dump keeps configuration, leads, touches and the event log; after a
# pg_restore in replica mode the rows are as dumped, new configuration
# rows get fresh ids, and new leads are checked against restored ones.
# The steps are README's: leadflow.restoring on during the restore, then
# post_restore(), which queues the unanswered leads again.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'leadflow'\n");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
CREATE EXTENSION leadflow;
INSERT INTO leadflow.calendar (name, time_zone) VALUES ('office', 'UTC');
INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
SELECT 1, d, '09:00', '17:00' FROM generate_series(1, 5) d;
INSERT INTO leadflow.campaign (name, channel) VALUES ('spring', 'paid_search');
INSERT INTO leadflow.sla_policy (name, calendar_id, allowance)
VALUES ('default', 1, '1 hour');
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (1, 1, 'remind_rep', '0');
INSERT INTO leadflow.touch_rule VALUES ('sms', 'outbound', '*', false, false);
INSERT INTO leadflow.lead (received_at, campaign_name, phone_raw)
SELECT '2026-03-02 09:00+00'::timestamptz + i * interval '1 minute',
	'spring', '09120000' || lpad(i::text, 2, '0')
FROM generate_series(1, 20) i;
INSERT INTO leadflow.touch (lead_id, kind, outcome, touched_at)
SELECT lead_id, 'call', 'connected', received_at + interval '10 minutes'
FROM leadflow.lead;
UPDATE leadflow.lead SET stage = 'won' WHERE lead_id <= 5;
-- Three leads that just arrived, unanswered: they wait in the escalation
-- queue until their due time, an hour of office time away at least, so
-- no step fires while the test runs.
INSERT INTO leadflow.lead (received_at, phone_raw)
SELECT now() - i * interval '1 minute', '09130000' || lpad(i::text, 2, '0')
FROM generate_series(1, 3) i;
});
my $queue = q{SELECT count(*) FROM leadflow.escalation_queue};
my $queued = $node->safe_psql('src', $queue);
is($queued, '3', 'the unanswered leads are queued in the source');

my $figures = q{SELECT count(*), sum(response_wall_s), count(*) FILTER (WHERE sla_met),
	(SELECT count(*) FROM leadflow.touch), (SELECT count(*) FROM leadflow.lead_event),
	(SELECT count(*) FROM leadflow.touch_rule)
	FROM leadflow.lead};
my $before = $node->safe_psql('src', $figures);

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ],
	'pg_dump of a database with leadflow');
# As README says: the worker stays out of the database being restored.
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->safe_psql('postgres',
	'ALTER DATABASE dst SET leadflow.restoring = on');
{
	# Triggers installed by CREATE EXTENSION exist before the data is
	# loaded; in replica mode they stay quiet and rows load as dumped.
	local $ENV{PGOPTIONS} = '-c session_replication_role=replica';
	$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), $dump ],
		'pg_restore in replica mode');
}

is($node->safe_psql('dst', $figures), $before,
	'leads, touches, events and rules come back as dumped');

# The queue is filled by triggers, quiet during the restore, so it comes
# back empty; post_restore() rebuilds it from the open leads.
is($node->safe_psql('dst', $queue), '0',
	'the escalation queue is empty after pg_restore');
$node->safe_psql('dst', 'SELECT leadflow.post_restore()');
is($node->safe_psql('dst', $queue), $queued,
	'post_restore() queues the unanswered leads again');
is($node->safe_psql('postgres',
	"SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d "
	  . "ON d.oid = s.setdatabase WHERE d.datname = 'dst'"),
	'0', 'and lets the worker back in (leadflow.restoring reset)');

# New rows after the restore take ids after the restored ones.
is($node->safe_psql('dst',
	"INSERT INTO leadflow.campaign (name) VALUES ('autumn') RETURNING campaign_id"),
	'2', 'a new campaign gets the next id');

# The score's close counts are rebuilt from the restored leads.
$node->safe_psql('dst', 'SELECT leadflow.score_rebuild_close_stats()');
is($node->safe_psql('dst',
	"SELECT closed || '/' || won FROM leadflow.close_stats WHERE dimension = 'all'"),
	'5/5', 'close counts rebuilt (five won among the 23 leads)');

# A new lead with a restored lead's phone is its duplicate.
is($node->safe_psql('dst', q{
	INSERT INTO leadflow.lead (received_at, phone_raw)
	VALUES ('2026-03-03 09:00+00', '+84 912 000 003') RETURNING duplicate_of}),
	'3', 'new lead matched against restored leads');

$node->stop;
done_testing();
