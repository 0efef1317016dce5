# tests/worker/t/002_escalation.pl
#
# The running worker escalates an overdue lead step by step, each step
# within two escalation intervals of its due time, and notifies listeners;
# an answered lead gets nothing; a paused lead waits for the end of its
# pause.  A manual run racing the worker's runs never fires a step twice.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = LeadflowWorker::node('escalation');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION leadflow');
LeadflowWorker::org($node, 'postgres', '2 seconds', '0.5');

my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN leadflow_escalation');

# 1 goes unanswered; 2 is answered at once; 3 is paused for eight seconds.
$node->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id) VALUES
	(1, 2, 1), (2, 2, 1), (3, 2, 1);
INSERT INTO leadflow.touch (lead_id, rep_id, kind, direction)
VALUES (2, 2, 'call', 'outbound');
UPDATE leadflow.lead SET paused_until = now() + interval '8 seconds'
WHERE lead_id = 3;
EOS

LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 4 FROM leadflow.escalation WHERE lead_id = 1',
	'the unanswered lead went through the warning and the whole ladder');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT string_agg(step || ':' || action || ':' || coalesce(outcome, '-')
	|| ':' || coalesce(new_rep_id::text, '-'), ' ' ORDER BY step)
FROM leadflow.escalation WHERE lead_id = 1
EOS
	'0:warn:-:- 1:remind_rep:-:- 2:alert_manager:-:- 3:reassign:reassigned:3',
	'steps fired in ladder order; the reassign went to the spare rep');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT bool_and(fired_at >= due_at AND fired_at < due_at + interval '2 seconds')
FROM leadflow.escalation WHERE lead_id = 1
EOS
	't', 'every step fired after its due time, within two intervals');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) FROM (
	SELECT fired_at, lag(fired_at) OVER (ORDER BY step) AS before
	FROM leadflow.escalation WHERE lead_id = 1) s
WHERE fired_at <= before
EOS
	'0', 'one step per run: each step fired after the one before');
is($node->safe_psql('postgres',
		'SELECT rep_id FROM leadflow.lead WHERE lead_id = 1'),
	'3', 'the lead now belongs to the spare rep');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) FROM leadflow.lead_event
WHERE lead_id = 1 AND kind = 'escalated'
EOS
	'4', 'each fired step is an escalated event');

# Notifications carry lead, step, action, rep, manager and due time.
my $notices = $listener->query_safe('SELECT 1');
like($notices,
	qr/Asynchronous notification "leadflow_escalation" with payload "\{"lead_id" : 1, "step" : 2, "action" : "alert_manager", "rep_id" : 2, "manager_id" : 1, "new_rep_id" : null, "due_at" : "[^"]+"/,
	'listeners hear each step with its details');
$listener->quit;

# The paused lead fires nothing until the pause ends.
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) FROM leadflow.escalation e JOIN leadflow.lead l USING (lead_id)
WHERE lead_id = 3 AND e.fired_at < l.paused_until
EOS
	'0', 'nothing fired while the lead was paused');
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 3 FROM leadflow.escalation WHERE lead_id = 3',
	'the paused lead escalates once the pause is over');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT string_agg(action, ' ' ORDER BY step) FROM leadflow.escalation
WHERE lead_id = 3
EOS
	'remind_rep alert_manager reassign',
	'after the pause: no late warning, the ladder in order');

is($node->safe_psql('postgres',
		'SELECT count(*) FROM leadflow.escalation WHERE lead_id = 2'),
	'0', 'the answered lead got no step');

# A burst of leads while a session runs escalations by hand in a loop:
# runs race, yet every step of every lead fires exactly once.
$node->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id)
SELECT 100 + i, 2, 1 FROM generate_series(1, 60) i;
EOS
my $racer = $node->background_psql('postgres');
$racer->query_until(qr/racing/, <<'EOS');
\echo racing
DO $$
BEGIN
	FOR i IN 1..150 LOOP
		PERFORM leadflow.run_escalations();
		COMMIT;
		PERFORM pg_sleep(0.03);
	END LOOP;
END
$$;
EOS
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 240 FROM leadflow.escalation WHERE lead_id > 100',
	'all steps of the burst fired');
$racer->quit;
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(DISTINCT (lead_id, step)) || ' ' || count(*)
FROM leadflow.lead_event e CROSS JOIN LATERAL
	(SELECT (e.details->>'step')::int AS step) s
WHERE kind = 'escalated' AND lead_id > 100
EOS
	'240 240', 'no step fired twice, by the worker or by hand');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT bool_or(manual) AND bool_or(NOT manual) AND bool_and(status = 'ok')
FROM leadflow.job_run WHERE job = 'escalate'
EOS
	't', 'both the worker and the manual runs recorded successful runs');

is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT database_state || ' ' || run_as || ' ' || last_status
FROM leadflow.worker_status WHERE job = 'escalate'
EOS
	'ready postgres ok', 'the status view shows the job as ready and well');

$node->stop;
done_testing();
