# tests/worker/t/015_settings_doc.pl
#
# README.md's settings table against the server: every leadflow setting a
# preloaded server defines has a row, with the default the server boots
# with, "yes" under "needs a restart" exactly when the server says it can
# only be set at start, and the right way to change it; and the table
# names no setting the server does not know.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $top = $ENV{LEADFLOW_TOP}
  // die "LEADFLOW_TOP is not set (tests/tools/run_worker_tests.sh sets it)\n";
my $readme = "$top/README.md";
my %doc;
open(my $fh, '<', $readme) or die "could not open $readme: $!\n";
while (<$fh>)
{
	next unless /^\| `(leadflow\.[a-z0-9_]+)` \| ([^|]*) \| ([^|]*) \| ([^|]*) \|/;
	$doc{$1} = { default => $2, restart => $3, context => $4 };
}
close($fh);

# The server's own words for a context, as the table writes them.
my %context = (
	user => qr/^any session/,
	superuser => qr/^superuser/,
	sighup => qr/^reload/,
	postmaster => qr/^server start/);

# seconds(TEXT): a default written as "90 days", "5 min", "30 s" or
# "300000 ms", in seconds; undef for anything else.
sub seconds
{
	my ($text) = @_;
	my %unit = (ms => 0.001, s => 1, min => 60, h => 3600, days => 86400);
	return undef unless $text =~ /^([0-9.]+) (ms|s|min|h|days)$/;
	return $1 * $unit{$2};
}

# The README's default, in the server's boot_val form.
sub documented_default
{
	my ($doc, $unit) = @_;
	my $text = $doc;
	$text =~ s/`//g;
	return '' if $text =~ /^empty\b/;
	if ($unit ne '' && defined seconds($text))
	{
		return seconds($text) / seconds("1 $unit");
	}
	return $text;
}

my $node = LeadflowWorker::node('settings');
$node->start;
my @settings = split /\n/, $node->safe_psql('postgres', <<'EOS');
SELECT name || '|' || coalesce(boot_val, '') || '|' || coalesce(unit, '')
	|| '|' || context
FROM pg_settings WHERE name LIKE 'leadflow.%' ORDER BY name
EOS
cmp_ok(scalar @settings, '>=', 15, 'the server defines the settings');

foreach my $row (@settings)
{
	my ($name, $boot, $unit, $ctx) = split /\|/, $row, -1;
	my $doc = $doc{$name};
	ok($doc, "$name is in README's table") or next;
	is(documented_default($doc->{default}, $unit), $boot,
		"$name: README gives the default the server boots with");
	is($doc->{restart}, $ctx eq 'postmaster' ? 'yes' : 'no',
		"$name: README says whether it needs a restart");
	like($doc->{context}, $context{$ctx},
		"$name: README says how it is changed");
	delete $doc{$name};
}
is(join(', ', sort keys %doc), '', 'README documents no unknown setting');

$node->stop;
done_testing();
