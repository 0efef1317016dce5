# tests/worker/t/011_train.pl
#
# The train job under a running worker: a database that becomes ready
# with enough closed leads gets a model at once, the open leads scored by
# v1 are rescored in bounded batches (each a run of its own, the next one
# asked for at once), and a run before the next training is due only
# rescores.  A model trained by hand is picked up at the next look.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/..";
use LeadflowWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = LeadflowWorker::node('train', <<'EOC');
leadflow.train_interval = 3600
leadflow.train_min_outcomes = 50
leadflow.train_l2 = 0.0001
leadflow.rescore_batch_size = 10
EOC
$node->start;

# The leads come with the extension, so the first train run finds them:
# 80 closed leads (web won 3 of 4, ads 1 of 4) and 25 open ones.
$node->safe_psql('postgres', <<'EOS');
BEGIN;
CREATE EXTENSION leadflow;
INSERT INTO leadflow.lead (received_at, channel, stage)
SELECT '2026-01-01 00:00+00'::timestamptz + i * interval '1 minute',
	CASE WHEN i % 2 = 0 THEN 'web' ELSE 'ads' END,
	CASE WHEN (i % 2 = 0 AND i % 8 <> 6) OR i % 8 = 1
		 THEN 'won' ELSE 'lost' END
FROM generate_series(1, 80) AS i;
INSERT INTO leadflow.lead (received_at, channel)
SELECT '2026-01-02 00:00+00'::timestamptz + i * interval '1 minute', 'web'
FROM generate_series(1, 25) AS i;
COMMIT;
EOS

LeadflowWorker::wait_until($node, 'postgres',
	'SELECT count(*) = 1 FROM leadflow.score_model',
	'the worker trains a model once the database is ready');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) = 25 FROM leadflow.lead
WHERE stage = 'new' AND score_model_version = 1
EOS
	'every open lead is rescored with the model');
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT count(*) FILTER (WHERE stage = 'new' AND score = 75),
	count(*) FILTER (WHERE stage <> 'new' AND score_model_version IS NULL)
FROM leadflow.lead
EOS
	'25|80', 'open web leads score 75; closed leads keep score v1');

# One run trained and rescored 10, then two follow-up runs 10 and 5.
is( $node->safe_psql(
		'postgres', <<'EOS'),
SELECT string_agg(rows_touched::text, ',' ORDER BY run_id)
FROM leadflow.job_run WHERE job = 'train' AND status = 'ok'
  AND rows_touched > 0
EOS
	'11,10,5', 'rescoring goes in batches of leadflow.rescore_batch_size');
like(
	$node->safe_psql(
		'postgres', <<'EOS'),
SELECT message FROM leadflow.job_run WHERE job = 'train' AND status = 'ok'
ORDER BY run_id LIMIT 1
EOS
	qr/^model 1 on 80 closed leads, 5 features; holdout of 16: AUC [0-9.]+/,
	'the training run says what it trained');

# A model trained by hand: the worker's next look (within a minute)
# rescores the open leads with it, without training again before
# leadflow.train_interval has passed.
$node->safe_psql('postgres', 'SELECT leadflow.train_model()');
LeadflowWorker::wait_until($node, 'postgres', <<'EOS',
SELECT count(*) = 25 FROM leadflow.lead
WHERE stage = 'new' AND score_model_version = 2
EOS
	'a model trained by hand is applied to the open leads too');
is($node->safe_psql('postgres', 'SELECT max(model_version) FROM leadflow.score_model'),
	'2', 'the worker did not train again before its interval');

$node->stop;
done_testing();
