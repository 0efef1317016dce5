# tests/worker/t/009_reassign_wait.pl
#
# A reassign step with nobody eligible waits under the running worker:
# while the only other rep of the team is off shift, the step does not
# fire, the lead stays with its rep, the wait is recorded once, and the
# worker retries once per escalation interval (no hot loop).  When the
# rep's shift opens the step fires exactly once, with one event and one
# notification, although a session runs escalations by hand all along.
# A reassignment the site's own trigger refuses fails alone, is reported
# once a minute at most, and goes through once the trigger is gone.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = LeadflowWorker::node('reassign_wait');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION leadflow');
LeadflowWorker::org($node, 'postgres', '2 seconds', 'NULL');

# The spare rep 3 works on calendar 2, which has no working hours yet.
$node->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (2, 'closed for now', 'UTC');
UPDATE leadflow.rep SET calendar_id = 2 WHERE rep_id = 3;
EOS

my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN leadflow_escalation');

# Lead 1 is an hour overdue: its whole ladder is due at once.
$node->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at)
VALUES (1, 2, 1, now() - interval '1 hour');
EOS
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) = 1 FROM leadflow.escalation_wait
WHERE lead_id = 1 AND step = 3
EOS
	'the reassign step found nobody and waits');

# A session runs escalations by hand in a loop from now on, racing the
# worker's runs, while the lead waits and when its step finally fires.
my $racer = $node->background_psql('postgres');
$racer->query_until(qr/racing/, <<'EOS');
\echo racing
DO $$
BEGIN
	FOR i IN 1..200 LOOP
		PERFORM leadflow.run_escalations();
		COMMIT;
		PERFORM pg_sleep(0.03);
	END LOOP;
END
$$;
EOS

# Four escalation intervals of waiting.
my $waiting_since = $node->safe_psql('postgres',
	'SELECT waiting_since FROM leadflow.escalation_wait WHERE lead_id = 1');
my $runs_before = $node->safe_psql('postgres',
	"SELECT count(*) FROM leadflow.job_run WHERE job = 'escalate' "
	  . "AND NOT manual");
sleep 4;
my $runs_during = $node->safe_psql('postgres',
	"SELECT count(*) FROM leadflow.job_run WHERE job = 'escalate' "
	  . "AND NOT manual") - $runs_before;
ok($runs_during >= 2 && $runs_during <= 8,
	"the worker kept running once per interval ($runs_during runs in 4 s)");
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT (SELECT string_agg(step::text, ' ' ORDER BY step)
		FROM leadflow.escalation WHERE lead_id = 1) || ' | '
	|| (SELECT count(*) FROM leadflow.lead_event
		WHERE lead_id = 1 AND kind = 'escalated') || ' | '
	|| (SELECT count(*) FROM leadflow.escalation_wait) || ' | '
	|| (SELECT rep_id FROM leadflow.lead WHERE lead_id = 1)
EOS
	'1 2 | 2 | 1 | 2',
	'while nobody is on shift: steps 1 and 2 only, two events, one wait '
	  . 'record, the lead stays with rep 2');
# Each retry requeues the lead one interval after its run began, so its
# queue row is at most an interval ahead of the clock, or a little behind
# when it is due and the racer's next pass has not taken it yet; never as
# old as the wait.  The clock, not now(), bounds it from above: a retry
# that began after this statement's now() may commit before its snapshot.
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT next_at > now() - interval '1 second'
	AND next_at <= clock_timestamp() + interval '1 second'
FROM leadflow.escalation_queue WHERE lead_id = 1
EOS
	't', 'the waiting lead is queued again within one interval');
is($node->safe_psql('postgres',
		'SELECT waiting_since FROM leadflow.escalation_wait WHERE lead_id = 1'),
	$waiting_since, 'the retries left the record of the wait alone');

# The spare rep's shift opens: the step fires at a retry, exactly once.
$node->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.calendar_hours
SELECT 2, d, '00:00', '24:00' FROM generate_series(1, 7) d;
EOS
my $opened = $node->safe_psql('postgres', 'SELECT now()');
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 1 FROM leadflow.escalation WHERE lead_id = 1 '
	  . 'AND step = 3',
	'the reassign step fires once the spare rep is on shift');
$racer->query_safe('SELECT 1');
$racer->quit;
is( $node->safe_psql(
		'postgres', <<"EOS"),
SELECT e.outcome || ' ' || e.new_rep_id || ' ' || l.rep_id || ' '
	|| (e.fired_at >= '$opened'
		AND e.fired_at < timestamptz '$opened' + interval '3 seconds')
FROM leadflow.escalation e JOIN leadflow.lead l USING (lead_id)
WHERE e.lead_id = 1 AND e.step = 3
EOS
	'reassigned 3 3 true',
	'the lead went to rep 3 within a few intervals of the shift opening');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) || ' ' || count(DISTINCT step)
FROM leadflow.escalation WHERE lead_id = 1
EOS
	'3 3', 'every step of the ladder is in the ledger once');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) || ' ' || bool_and((details->>'waiting_since')::timestamptz
	= (SELECT waiting_since FROM leadflow.escalation_wait WHERE lead_id = 1))
FROM leadflow.lead_event
WHERE lead_id = 1 AND kind = 'escalated' AND details->>'step' = '3'
EOS
	'1 true', 'one event for the step, with the time the wait began');
is($node->safe_psql('postgres',
		'SELECT count(*) FROM leadflow.escalation_wait'),
	'1', 'still one record of the wait');

# One notification for the reassignment, none for the attempts before.
my $notices = $listener->query_safe('SELECT 1');
my @reassigned = ($notices =~
	  /payload "\{"lead_id" : 1, "step" : 3, "action" : "reassign", "rep_id" : 2, "manager_id" : 1, "new_rep_id" : 3,/g
);
is(scalar @reassigned, 1, 'listeners hear the reassignment once');
my @steps = ($notices =~ /payload "\{"lead_id" : 1, "step" : (\d)/g);
is(join(' ', @steps), '1 2 3', 'and each step once, in order');
$listener->quit;

# A reassignment the site refuses (a trigger of its own on the lead) fails
# alone under the running worker: the run records it and goes on, the
# job warns once a minute at most, and the lead moves once the trigger is
# gone.  Lead 3 is refused; lead 4, in the same runs, moves at once.
$node->safe_psql('postgres', <<'EOS');
CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.lead_id = 3 AND NEW.rep_id IS DISTINCT FROM OLD.rep_id THEN
		RAISE EXCEPTION 'lead 3 is frozen';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER refuse BEFORE UPDATE ON leadflow.lead
	FOR EACH ROW EXECUTE FUNCTION public.refuse();
EOS
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres', <<'EOS');
INSERT INTO leadflow.lead (lead_id, rep_id, policy_id, received_at)
VALUES (3, 2, 1, now() - interval '1 hour'),
	(4, 2, 1, now() - interval '1 hour');
EOS
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) > 0 FROM leadflow.job_run
WHERE job = 'escalate' AND NOT manual AND status = 'ok'
  AND message LIKE '1 lead could not be reassigned%lead 3: lead 3 is frozen'
EOS
	'the worker\'s run records the refused reassignment and succeeds');
LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 3 FROM leadflow.escalation WHERE lead_id = 4',
	'the other lead goes through its ladder meanwhile');
sleep 3;
is($node->safe_psql('postgres',
		'SELECT count(*) || \' \' || max(rep_id) FROM leadflow.escalation '
		  . 'WHERE lead_id = 3'),
	'2 2', 'the refused lead fired steps 1 and 2 only and stays with rep 2');
my $log = slurp_file($node->logfile, $log_offset);
my @warned = ($log =~
	  /WARNING:  leadflow job "escalate" in database "postgres": 1 lead could not be reassigned/g
);
is(scalar @warned, 1, 'the job warned once, not at every retry');
$node->safe_psql('postgres', 'DROP TRIGGER refuse ON leadflow.lead');
LeadflowWorker::wait_until($node, 'postgres',
	"SELECT outcome = 'reassigned' FROM leadflow.escalation "
	  . "WHERE lead_id = 3 AND step = 3",
	'the lead moves at a retry once the trigger is gone');

$node->stop;
done_testing();
