# tests/worker/t/031_demo_keep.pl
#
# How a demo kept running by `make demo KEEP=1` ends (tests/demo/keep.sh):
# Ctrl-C, which sends SIGINT to the whole foreground process group, and
# SIGTERM to the script alone both end it with status 0 and leave no
# process behind.  A non-zero status made pg_virtualenv report a failure
# and print the server's logs although the demo had ended as asked.
use strict;
use warnings;
use Test::More;
use IO::Select;
use POSIX qw(WNOHANG);
use Time::HiRes qw(usleep);

my $top = $ENV{LEADFLOW_TOP}
  or die "LEADFLOW_TOP is not set: run me through tests/tools/run_worker_tests.sh\n";
my $keep = "$top/tests/demo/keep.sh";
die "$keep is missing or not executable\n" unless -x $keep;

# start_keep: runs keep.sh in a process group of its own, as a terminal
# runs a foreground job, with SIGINT and SIGTERM at their defaults whatever
# this test inherited.  Returns its pid and a handle on its output, once
# it has printed its prompt.
sub start_keep
{
	pipe(my $out, my $in) or die "pipe: $!";
	my $pid = fork() // die "fork: $!";
	if ($pid == 0)
	{
		close $out;
		setpgrp(0, 0) or die "setpgrp: $!";
		$SIG{INT} = $SIG{TERM} = 'DEFAULT';
		open STDOUT, '>&', $in or die "stdout: $!";
		open STDERR, '>&', $in or die "stderr: $!";
		exec $keep or die "exec $keep: $!";
	}
	close $in;
	my $first = <$out> // '';
	like($first, qr/press Ctrl-C here to stop it/, 'keep.sh says how to stop it');
	return ($pid, $out);
}

# children PID: the processes PID started, from /proc.
sub children
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/task/$pid/children" or return ();
	my $line = <$fh> // '';
	return split ' ', $line;
}

# running PID: whether PID is a live process (not gone, not a zombie).
sub running
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return 0;
	my $stat = <$fh> // '';
	return $stat !~ /^\d+ \(.*\) Z/;
}

# finish PID OUT: waits up to 10 s for PID; returns its status (undef if
# it did not end) and what it printed meanwhile.  Output is read only as
# far as it comes within 2 s: a child left behind may hold the pipe open.
sub finish
{
	my ($pid, $out) = @_;
	my $status;
	for (1 .. 100)
	{
		if (waitpid($pid, WNOHANG) == $pid) { $status = $?; last; }
		usleep(100_000);
	}
	unless (defined $status)
	{
		kill 'KILL', -$pid;
		waitpid($pid, 0);
	}
	my $sel = IO::Select->new($out);
	my $rest = '';
	while ($sel->can_read(2))
	{
		last unless sysread($out, my $chunk, 4096);
		$rest .= $chunk;
	}
	return ($status, $rest);
}

for my $case (['Ctrl-C (SIGINT to the process group)', 'INT', 1],
	['SIGTERM to the script', 'TERM', 0])
{
	my ($name, $signal, $group) = @$case;
	my ($pid, $out) = start_keep();
	my @kids;
	for (1 .. 50)
	{
		@kids = children($pid);
		last if @kids;
		usleep(100_000);
	}
	is(scalar @kids, 1, "$name: keep.sh waits on one child");
	kill $signal, $group ? -$pid : $pid;
	my ($status, $rest) = finish($pid, $out);
	ok(defined $status, "$name: keep.sh ends within 10 s");
	is($status, 0, "$name: keep.sh exits with status 0");
	like($rest, qr/stopping the demo server/, "$name: it says it stops");
	usleep(200_000);
	ok(!running($kids[0]), "$name: its sleep is gone") if @kids;
	kill 'KILL', grep { running($_) } @kids;
}

done_testing();
