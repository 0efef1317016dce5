# tests/worker/LeadflowWorker.pm
#
# Helpers shared by the worker's TAP tests: a preloaded server that runs
# leadflow's jobs at short intervals, an organisation on a calendar that
# works around the clock (so business time is wall time), and polling.
package LeadflowWorker;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# node(NAME, EXTRA_CONF, INIT_ARGS...): an initialised, not yet started
# cluster with leadflow preloaded and every job interval at one second.
sub node
{
	my ($name, $extra, %init) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%init);
	$node->append_conf('postgresql.conf', <<"EOC");
shared_preload_libraries = 'leadflow'
max_worker_processes = 16
log_statement = none
leadflow.jobs_enabled = on
leadflow.launcher_naptime = 1
leadflow.escalation_interval = 1
leadflow.refresh_interval = 1
@{[ $extra // '' ]}
EOC
	return $node;
}

# org(NODE, DB, ALLOWANCE, WARN_SHARE): calendar 1 (around the clock,
# UTC), team 1 with manager rep 1, holder rep 2 and spare rep 3, policy 1
# with the given allowance and warning share and the ladder: remind the
# rep 1 s after due, alert the manager after 2 s, reassign after 3 s.
sub org
{
	my ($node, $db, $allowance, $warn) = @_;
	$allowance //= '2 seconds';
	$warn //= 'NULL';
	$node->safe_psql($db, <<"EOS");
INSERT INTO leadflow.calendar (calendar_id, name, time_zone)
VALUES (1, 'always', 'UTC');
INSERT INTO leadflow.calendar_hours
SELECT 1, d, '00:00', '24:00' FROM generate_series(1, 7) d;
INSERT INTO leadflow.team (team_id, name, calendar_id) VALUES (1, 'team', 1);
INSERT INTO leadflow.rep (rep_id, name, team_id, manager_id) VALUES
	(1, 'manager', NULL, NULL), (2, 'holder', 1, 1), (3, 'spare', 1, 1);
INSERT INTO leadflow.sla_policy (policy_id, name, calendar_id, allowance,
	warn_share) VALUES (1, 'fast', 1, '$allowance', $warn);
INSERT INTO leadflow.escalation_step (policy_id, step, action, after_due)
VALUES (1, 1, 'remind_rep', '1 second'), (1, 2, 'alert_manager', '2 seconds'),
	(1, 3, 'reassign', '3 seconds');
EOS
	return;
}

# wait_until(NODE, DB, SQL, WHAT): polls until SQL returns t, failing the
# test with WHAT after three minutes.
sub wait_until
{
	my ($node, $db, $sql, $what) = @_;
	ok($node->poll_query_until($db, $sql), $what);
	return;
}

1;
