# tests/worker/t/030_demo_data.pl
#
# The demo's loader (tests/demo/load.sql) on the two public data sets of
# $LEADFLOW_DATA, under the running worker: every row read is stored, and a
# handful of figures from leadflow's rollups and tables equal the same
# figures computed here, in Perl, straight from the CSV files.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX qw(mktime tzset floor);

my $data = $ENV{LEADFLOW_DATA}
  or die "LEADFLOW_DATA is not set: run me through tests/tools/run_worker_tests.sh\n";
my $top = $ENV{LEADFLOW_TOP}
  or die "LEADFLOW_TOP is not set: run me through tests/tools/run_worker_tests.sh\n";
my $loader = "$top/tests/demo/load.sql";
for my $f ('olist/marketing_qualified_leads.csv', 'olist/closed_deals.csv',
	'xeducation/leads.csv', $loader)
{
	my $path = $f eq $loader ? $f : "$data/$f";
	die "$path is missing or unreadable: the data sets are needed\n"
	  unless -r $path;
}

# ---------------------------------------------------------------------
# The files, read here without PostgreSQL.

# One CSV record (none of these files has a line break inside a field).
sub csv_fields
{
	my ($line) = @_;
	$line =~ s/\r?\n\z//;
	my @fields;
	my $pos = 0;
	while (1)
	{
		my $field;
		if (substr($line, $pos, 1) eq '"')
		{
			$field = '';
			$pos++;
			while (1)
			{
				my $q = index($line, '"', $pos);
				die "unterminated quote in: $line\n" if $q < 0;
				$field .= substr($line, $pos, $q - $pos);
				$pos = $q + 1;
				if (substr($line, $pos, 1) eq '"')
				{
					$field .= '"';
					$pos++;
					next;
				}
				last;
			}
		}
		else
		{
			my $c = index($line, ',', $pos);
			$c = length($line) if $c < 0;
			$field = substr($line, $pos, $c - $pos);
			$pos = $c;
		}
		push @fields, $field;
		last if $pos >= length($line);
		die "bad CSV at $pos in: $line\n" if substr($line, $pos, 1) ne ',';
		$pos++;
		if ($pos == length($line))
		{
			push @fields, '';
			last;
		}
	}
	return @fields;
}

# The rows of a file as hashes keyed by the header's names.
sub csv_rows
{
	my ($file) = @_;
	open(my $fh, '<', "$data/$file") or die "cannot open $data/$file: $!\n";
	my @head = csv_fields(scalar <$fh>);
	my @rows;
	while (my $line = <$fh>)
	{
		my @f = csv_fields($line);
		die "$file line $.: " . scalar(@f) . " fields, not " . scalar(@head) . "\n"
		  if @f != @head;
		my %r;
		@r{@head} = @f;
		push @rows, \%r;
	}
	close $fh;
	return @rows;
}

my @mql = csv_rows('olist/marketing_qualified_leads.csv');
my @deal = csv_rows('olist/closed_deals.csv');
my @xed = csv_rows('xeducation/leads.csv');

# Olist: leads and won deals per origin ('' is no channel).
my %won_mql = map { $_->{mql_id} => $_ } @deal;
my (%o_leads, %o_won);
for my $m (@mql)
{
	my $ch = $m->{origin} eq '' ? '-' : $m->{origin};
	$o_leads{$ch}++;
	$o_won{$ch}++ if $won_mql{ $m->{mql_id} };
}
my $olist_by_channel = join("\n",
	map { "$_|$o_leads{$_}|" . ($o_won{$_} // 0) } sort keys %o_leads);

# Olist: the SDR with the most won deals, and the median of first contact
# (midnight in São Paulo) to the win, in days, with the zone's own offsets.
$ENV{TZ} = 'America/Sao_Paulo';
tzset();
my (%sdr_wins, %sdr_days);
my %arrival = map { $_->{mql_id} => $_->{first_contact_date} } @mql;
for my $d (@deal)
{
	my ($dd, $mm, $yy) = split /-/, $arrival{ $d->{mql_id} };
	my $from = mktime(0, 0, 0, $dd, $mm - 1, $yy - 1900, 0, 0, -1);
	my ($wd, $wm, $wy, $wh, $wmin) =
	  $d->{won_date} =~ /^(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d)$/
	  or die "unexpected won_date $d->{won_date}\n";
	my $to = mktime(0, $wmin, $wh, $wd, $wm - 1, $wy - 1900, 0, 0, -1);
	$sdr_wins{ $d->{sdr_id} }++;
	push @{ $sdr_days{ $d->{sdr_id} } }, ($to - $from) / 86400;
}
my ($top_sdr) =
  sort { $sdr_wins{$b} <=> $sdr_wins{$a} || $a cmp $b } keys %sdr_wins;
my @days = sort { $a <=> $b } @{ $sdr_days{$top_sdr} };
my $median = @days % 2 ? $days[$#days / 2]
  : ($days[@days / 2 - 1] + $days[@days / 2]) / 2;

# Olist: average_stock ranges that a spreadsheet turned into month names.
my $month_ranges =
  grep { $_->{average_stock} =~ /^(\d{1,2}-[A-Za-z]{3}|[A-Za-z]{3}-\d{1,2})$/ }
  @deal;

# X Education: one channel per source whatever its case (the spelling most
# rows use), leads and converted leads per channel.
my (%spell);
for my $x (@xed)
{
	(my $s = $x->{'Lead Source'}) =~ s/^\s+|\s+$//g;
	$spell{ lc $s }{$s}++ if $s ne '';
}
my %canonical;
for my $folded (keys %spell)
{
	my $h = $spell{$folded};
	($canonical{$folded}) =
	  sort { $h->{$b} <=> $h->{$a} || $a cmp $b } keys %$h;
}
my (%x_leads, %x_won);
my ($x_invalid, $x_hot, $x_select) = (0, 0, 0);
for my $x (@xed)
{
	(my $s = $x->{'Lead Source'}) =~ s/^\s+|\s+$//g;
	my $ch = $s eq '' ? '-' : $canonical{ lc $s };
	$x_leads{$ch}++;
	$x_won{$ch}++ if $x->{Converted} eq '1';
	# Invalid contact: Sales could not have called the number given.
	$x_invalid++
	  if $x->{Converted} eq '0'
	  && $x->{Tags} =~ /^(invalid number|wrong number given|number not provided)$/;
	# Hot or beyond: rated high in relevance, or converted.
	$x_hot++
	  if $x->{Converted} eq '1' || $x->{'Lead Quality'} eq 'High in Relevance';
	$x_select += grep { $_ eq 'Select' } values %$x;
}
my $xed_by_channel = join("\n",
	map { "$_|$x_leads{$_}|" . ($x_won{$_} // 0) } sort keys %x_leads);

note('computed from the files: Olist ', scalar(@mql), ' MQLs, ',
	scalar(@deal), ' deals, busiest SDR ', substr($top_sdr, 0, 8), ' with ',
	$sdr_wins{$top_sdr}, ' wins, median ', sprintf('%.3f', $median),
	' days to close, ', $month_ranges, ' month-name ranges; X Education ',
	scalar(@xed), ' leads, ', $x_invalid, ' invalid contacts, ', $x_hot,
	' hot, ', $x_select, ' "Select" values');
note("Olist channel|leads|won:\n$olist_by_channel");
note("X Education channel|leads|converted:\n$xed_by_channel");

# ---------------------------------------------------------------------
# The same through leadflow, with the worker running.

my $accounting = <<'EOS';
SELECT string_agg(file || '|' || rows_read || '|' || rows_stored, ' '
				  ORDER BY file)
FROM leadflow_demo.accounting
EOS

my $node = LeadflowWorker::node('demo_data');
$node->start;
for my $db ('olist', 'xeducation')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION leadflow');
	$node->command_ok(
		[
			'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr($db), '-v', "data_set=$db",
			'-f', $loader
		],
		"the loader loads $db");
	$node->safe_psql($db, 'SELECT leadflow.refresh_metrics()');
}

is( $node->safe_psql(
		'olist',
		$accounting),
	'olist/closed_deals.csv|' . scalar(@deal) . '|' . scalar(@deal)
	  . ' olist/marketing_qualified_leads.csv|' . scalar(@mql) . '|'
	  . scalar(@mql),
	'Olist: every row of both files read and stored');
is( $node->safe_psql(
		'xeducation',
		$accounting),
	'xeducation/leads.csv|' . scalar(@xed) . '|' . scalar(@xed),
	'X Education: every row read and stored');

is( $node->safe_psql(
		'olist', <<'EOS'),
SELECT string_agg(ch || '|' || leads || '|' || won, E'\n' ORDER BY ch)
FROM (SELECT coalesce(channel, '-') AS ch, sum(leads) AS leads,
			 sum(won) AS won
	  FROM leadflow.rollup_daily GROUP BY 1) s
EOS
	$olist_by_channel,
	'Olist: leads and won deals per channel, from the rollups');
is( $node->safe_psql(
		'olist',
		'SELECT sum(closed_unknown) || \' \' || sum(lost) FROM leadflow.rollup_daily'),
	(@mql - keys %won_mql) . ' ' . (@mql - keys %won_mql),
	'Olist: every lead not won is lost, reason unknown');
is( $node->safe_psql(
		'olist', <<"EOS"),
SELECT count(*) || ' ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY
	extract(epoch FROM l.won_at - l.received_at) / 86400)::numeric, 3)
FROM leadflow.lead l JOIN leadflow.rep r USING (rep_id)
WHERE r.name = 'olist ' || left('$top_sdr', 8) AND l.stage = 'won'
EOS
	"$sdr_wins{$top_sdr} " . sprintf('%.3f', $median),
	'Olist: won deals and median days to close of the busiest SDR');
is( $node->safe_psql(
		'olist', <<'EOS'),
SELECT count(*) FROM leadflow.lead, jsonb_array_elements(attributes -> 'input_issues') i
WHERE i ->> 'issue' = 'range_read_as_date'
EOS
	$month_ranges,
	'Olist: average_stock ranges read as month names are flagged');

is( $node->safe_psql(
		'xeducation', <<'EOS'),
SELECT string_agg(ch || '|' || leads || '|' || won, E'\n' ORDER BY ch)
FROM (SELECT coalesce(channel, '-') AS ch, sum(leads) AS leads,
			 sum(won) AS won
	  FROM leadflow.rollup_daily GROUP BY 1) s
EOS
	$xed_by_channel,
	'X Education: leads and converted leads per channel (Google = google)');
is( $node->safe_psql(
		'xeducation',
		'SELECT sum(closed_invalid_contact) || \' \' || sum(hot) FROM leadflow.rollup_daily'),
	"$x_invalid $x_hot",
	'X Education: invalid contacts and hot leads, from the rollups');
is( $node->safe_psql(
		'xeducation', <<'EOS'),
SELECT count(*) FROM leadflow.lead, jsonb_array_elements(attributes -> 'input_issues') i
WHERE i ->> 'issue' = 'form_placeholder' AND i ->> 'raw' = 'Select'
EOS
	$x_select,
	'X Education: every "Select" placeholder is flagged, none dropped');

# The metric views the demo's report reads give the same figures: their
# month rows (one grain) summed over months.
my $quality_by_channel = <<'EOS';
SELECT string_agg(ch || '|' || leads || '|' || won, E'\n' ORDER BY ch)
FROM (SELECT coalesce(channel, '-') AS ch, sum(leads) AS leads,
			 sum(won) AS won
	  FROM leadflow.campaign_quality WHERE grain = 'month' GROUP BY 1) s
EOS
is($node->safe_psql('olist', $quality_by_channel),
	$olist_by_channel,
	'Olist: leads and won deals per channel, from campaign_quality');
is($node->safe_psql('xeducation', $quality_by_channel),
	$xed_by_channel,
	'X Education: leads and converted leads per channel, from campaign_quality');
is( $node->safe_psql(
		'xeducation',
		"SELECT sum(invalid_contact) || ' ' || sum(hot)
		 FROM leadflow.campaign_quality WHERE grain = 'month'"),
	"$x_invalid $x_hot",
	'X Education: invalid contacts and hot leads, from campaign_quality');
is( $node->safe_psql(
		'olist', <<"EOS"),
SELECT sum(won) FROM leadflow.rep_responsiveness
WHERE grain = 'month' AND rep_name = 'olist ' || left('$top_sdr', 8)
EOS
	$sdr_wins{$top_sdr},
	'Olist: won deals of the busiest SDR, from rep_responsiveness');
my $lost_total = <<'EOS';
SELECT (SELECT sum(leads) FROM leadflow.lost_lead_summary
		WHERE grain = 'month') || ' ' ||
	   (SELECT count(*) FROM leadflow.lost_lead_attribution) || ' ' ||
	   (SELECT count(*) FROM leadflow.lost_lead_attribution
		WHERE side = 'marketing' AND reason = 'invalid_contact')
EOS
is($node->safe_psql('olist', $lost_total),
	(@mql - keys %won_mql) . ' ' . (@mql - keys %won_mql) . ' 0',
	'Olist: every lead not won is in the lost-lead views');
is( $node->safe_psql('xeducation', $lost_total),
	(grep { $_->{Converted} ne '1' } @xed) . ' '
	  . (grep { $_->{Converted} ne '1' } @xed)
	  . " $x_invalid",
	'X Education: every lead not converted is in the lost-lead views, '
	  . 'invalid contacts on the marketing side');

# The rollups the worker keeps agree with a full recomputation.
for my $db ('olist', 'xeducation')
{
	my $sum = 'SELECT sum(leads) || \' \' || sum(won) || \' \' '
	  . '|| sum(score_sum) FROM leadflow.rollup_daily';
	my $before = $node->safe_psql($db, $sum);
	$node->safe_psql($db, 'SELECT leadflow.refresh_metrics(true)');
	is($node->safe_psql($db, $sum), $before,
		"$db: incremental rollups equal a full refresh");
}

$node->stop;
done_testing();
