/*-------------------------------------------------------------------------
 *
 * extension/learn_train.c
 *		Training the learned lead score on the closed leads, storing the
 *		model with its quality, and rescoring open leads after a new
 *		model; leadflow.train_model() and leadflow.rescore_open_leads().
 *
 * Training reads the newest leadflow.train_max_outcomes closed leads (won
 * against lost or disqualified) in one query, oldest arrival first, and
 * turns each into tokens exactly as the write-time scoring does
 * (leadflow_learn_each_token); the held-out leads are scored through the
 * same scorer as a lead being written.  The newest
 * leadflow.train_holdout share of them is held out: a model fitted on
 * the older ones scores them, which gives the AUC and the calibration
 * table stored with the model.  The model put to use is then fitted on
 * every closed lead (or, with leadflow.train_refit off, is the one that
 * was judged).  Features: every category token seen, and for each number
 * attribute LF_LEARN_MAX_BINS quantile ranges of its values plus a
 * "missing" feature; at most LF_LEARN_MAX_FEATURES, the most frequent.
 *
 * A new model is a new row of leadflow.score_model; the one before it is
 * kept and older ones deleted.  The row's statement trigger invalidates
 * every backend's model cache (learn_model.c).
 *
 * Reads and writes run as the owner of leadflow.lead (owner.c), so the
 * worker role and a caller with EXECUTE need no table privileges.  All
 * memory is in a context of the caller's transaction.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type_d.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "jobrun.h"
#include "learn.h"
#include "owner.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(leadflow_train_model);
PG_FUNCTION_INFO_V1(leadflow_rescore_open_leads);

/* Rows fetched from the cursor at a time. */
#define TRAIN_FETCH			10000

#define TRAIN_CLOSED_STAGES "('won', 'lost', 'disqualified')"

/* The newest $1 closed leads, oldest first. */
#define TRAIN_QUERY \
	"SELECT won, channel, campaign_id, has_phone, phone_valid, has_email," \
	" email_valid, duplicate, attributes, received_at FROM (" \
	"SELECT stage = 'won' AS won, channel, campaign_id," \
	" phone_raw IS NOT NULL AS has_phone," \
	" coalesce(phone_valid, false) AS phone_valid," \
	" email_raw IS NOT NULL AS has_email," \
	" coalesce(email_valid, false) AS email_valid," \
	" duplicate_of IS NOT NULL AS duplicate, attributes, received_at," \
	" lead_id FROM leadflow.lead WHERE stage IN " TRAIN_CLOSED_STAGES \
	" ORDER BY received_at DESC, lead_id DESC LIMIT $1) AS newest" \
	" ORDER BY received_at, lead_id"

/* A token interned during training. */
typedef struct TrainKey
{
	const char *s;
	int			len;
} TrainKey;

typedef struct TrainEntry
{
	TrainKey	key;
	int			id;
} TrainEntry;

/* A growable array of int or double. */
typedef struct TrainInts
{
	int		   *v;
	int			n;
	int			cap;
} TrainInts;

typedef struct TrainDoubles
{
	double	   *v;
	int			n;
	int			cap;
} TrainDoubles;

/* Every closed lead, as tokens. */
typedef struct TrainSet
{
	int			nrows;
	int			cap;
	unsigned char *won;
	TimestampTz *received_at;
	int		   *tok_start;		/* nrows + 1 */
	int		   *num_start;		/* nrows + 1 */
	TrainInts	tok;			/* category token ids */
	TrainInts	num_id;			/* number attribute ids */
	TrainDoubles num_val;
	HTAB	   *tokens;			/* category tokens */
	HTAB	   *numbers;		/* number attributes by "range" token */
	MemoryContext cxt;			/* where interned tokens live */
	MemoryContext row_cxt;		/* reset after every row */
	int		   *tok_len;
	const char **tok_str;
	int			ntok_str_cap;
	int			ntoks;
	const char **num_str;		/* "range" tokens, by number id */
	int		   *num_len;
	int			nnums;
	int			nnums_cap;
} TrainSet;

/* A fitted model and its numbers. */
typedef struct TrainModel
{
	LfModel    *model;
	int			nrows;
	int			won;
	int			iterations;
	double		fit_ms;
} TrainModel;

/* The quality of a model on the held-out leads. */
typedef struct TrainQuality
{
	int			nrows;
	int			won;
	TimestampTz from;
	double		auc;
	double		calibration_error;
	LfCalibrationBin bins[LF_LEARN_CALIBRATION_BINS];
} TrainQuality;

/*
 * train_key_hash, train_key_match
 *		Hash and equality of TrainKey, by the bytes they point at.
 */
static uint32
train_key_hash(const void *key, Size keysize)
{
	const TrainKey *k = (const TrainKey *) key;

	return hash_bytes((const unsigned char *) k->s, k->len);
}

static int
train_key_match(const void *key1, const void *key2, Size keysize)
{
	const TrainKey *a = (const TrainKey *) key1;
	const TrainKey *b = (const TrainKey *) key2;

	if (a->len != b->len)
		return 1;
	return memcmp(a->s, b->s, a->len);
}

/*
 * train_push_int, train_push_double
 *		Append to a growable array in the current memory context.
 */
static void
train_push_int(TrainInts *a, int x)
{
	if (a->n == a->cap)
	{
		a->cap = Max(a->cap * 2, 1024);
		a->v = a->v ? repalloc_huge(a->v, sizeof(int) * a->cap) :
			palloc_extended(sizeof(int) * a->cap, MCXT_ALLOC_HUGE);
	}
	a->v[a->n++] = x;
}

static void
train_push_double(TrainDoubles *a, double x)
{
	if (a->n == a->cap)
	{
		a->cap = Max(a->cap * 2, 1024);
		a->v = a->v ? repalloc_huge(a->v, sizeof(double) * a->cap) :
			palloc_extended(sizeof(double) * a->cap, MCXT_ALLOC_HUGE);
	}
	a->v[a->n++] = x;
}

/*
 * train_hash
 *		A new token table in the current memory context.
 */
static HTAB *
train_hash(const char *name)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(TrainKey);
	ctl.entrysize = sizeof(TrainEntry);
	ctl.hash = train_key_hash;
	ctl.match = train_key_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 1024, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
					   HASH_CONTEXT);
}

/*
 * train_intern
 *		The id of a token in table h, adding it (a copy in context cxt,
 *		also appended to the strs and lens arrays) when new.
 */
static int
train_intern(HTAB *h, MemoryContext cxt, const char *s, int len,
			 const char ***strs, int **lens, int *n, int *cap)
{
	TrainKey	key = {s, len};
	TrainEntry *e;
	bool		found;
	MemoryContext old;

	e = hash_search(h, &key, HASH_ENTER, &found);
	if (found)
		return e->id;
	old = MemoryContextSwitchTo(cxt);
	s = pnstrdup(s, len);
	e->key.s = s;
	if (*n == *cap)
	{
		*cap = Max(*cap * 2, 256);
		*strs = *strs ? repalloc(*strs, sizeof(char *) * *cap) :
			palloc(sizeof(char *) * *cap);
		*lens = *lens ? repalloc(*lens, sizeof(int) * *cap) :
			palloc(sizeof(int) * *cap);
	}
	(*strs)[*n] = s;
	(*lens)[*n] = len;
	e->id = (*n)++;
	MemoryContextSwitchTo(old);
	return e->id;
}

/*
 * train_token
 *		LfTokenCallback of training: interns the token and appends it (or
 *		the number) to the row being read.
 */
static void
train_token(void *arg, const char *token, int len, Numeric number)
{
	TrainSet   *set = (TrainSet *) arg;
	MemoryContext old = MemoryContextSwitchTo(set->cxt);

	if (number == NULL)
		train_push_int(&set->tok,
					   train_intern(set->tokens, set->cxt, token, len,
									&set->tok_str, &set->tok_len,
									&set->ntoks, &set->ntok_str_cap));
	else
	{
		train_push_int(&set->num_id,
					   train_intern(set->numbers, set->cxt, token, len,
									&set->num_str, &set->num_len,
									&set->nnums, &set->nnums_cap));
		train_push_double(&set->num_val, leadflow_learn_number(number));
	}
	MemoryContextSwitchTo(old);
}

/*
 * train_add_row
 *		Adds one closed lead (the current SPI row i) to the set.  The lead
 *		is taken apart in the row context, which is reset afterwards.
 */
static void
train_add_row(TrainSet *set, int i)
{
	HeapTuple	row = SPI_tuptable->vals[i];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	LeadflowScoreInput in;
	bool		isnull;
	Datum		d;
	int			r = set->nrows;

	if (r + 1 >= set->cap)
	{
		set->cap = Max(set->cap * 2, 1024);
		set->won = repalloc_huge(set->won, set->cap);
		set->received_at = repalloc_huge(set->received_at,
										 sizeof(TimestampTz) * set->cap);
		set->tok_start = repalloc_huge(set->tok_start,
									   sizeof(int) * (set->cap + 1));
		set->num_start = repalloc_huge(set->num_start,
									   sizeof(int) * (set->cap + 1));
	}

	MemoryContextSwitchTo(set->row_cxt);
	set->won[r] = DatumGetBool(SPI_getbinval(row, desc, 1, &isnull)) ? 1 : 0;
	in.channel = SPI_getvalue(row, desc, 2);
	d = SPI_getbinval(row, desc, 3, &isnull);
	in.campaign_id = isnull ? 0 : DatumGetInt32(d);
	in.has_phone = DatumGetBool(SPI_getbinval(row, desc, 4, &isnull));
	in.phone_valid = DatumGetBool(SPI_getbinval(row, desc, 5, &isnull));
	in.has_email = DatumGetBool(SPI_getbinval(row, desc, 6, &isnull));
	in.email_valid = DatumGetBool(SPI_getbinval(row, desc, 7, &isnull));
	in.duplicate = DatumGetBool(SPI_getbinval(row, desc, 8, &isnull));
	d = SPI_getbinval(row, desc, 9, &isnull);
	in.attributes = isnull ? NULL : DatumGetJsonbP(d);
	set->received_at[r] =
		DatumGetTimestampTz(SPI_getbinval(row, desc, 10, &isnull));

	leadflow_learn_each_token(&in, train_token, set);
	MemoryContextSwitchTo(set->cxt);
	MemoryContextReset(set->row_cxt);
	set->nrows++;
	set->tok_start[set->nrows] = set->tok.n;
	set->num_start[set->nrows] = set->num_id.n;
}

/*
 * train_read
 *		Reads the newest leadflow.train_max_outcomes closed leads into a
 *		new set, oldest first, through a cursor.  SPI must
 *		be connected.  The tokens are allocated in the current context;
 *		each fetch's tuples are freed as soon as they are read.
 */
static TrainSet *
train_read(void)
{
	TrainSet   *set = palloc0(sizeof(TrainSet));
	MemoryContext cxt = CurrentMemoryContext;
	SPIPlanPtr	plan;
	Portal		portal;
	Datum		limit;

	set->cap = 1024;
	set->won = palloc_extended(set->cap, MCXT_ALLOC_HUGE);
	set->received_at = palloc_extended(sizeof(TimestampTz) * set->cap,
									   MCXT_ALLOC_HUGE);
	set->tok_start = palloc_extended(sizeof(int) * (set->cap + 1),
									 MCXT_ALLOC_HUGE);
	set->num_start = palloc_extended(sizeof(int) * (set->cap + 1),
									 MCXT_ALLOC_HUGE);
	set->tok_start[0] = 0;
	set->num_start[0] = 0;
	set->cxt = cxt;
	set->row_cxt = AllocSetContextCreate(cxt, "leadflow training row",
										 ALLOCSET_DEFAULT_SIZES);
	set->tokens = train_hash("leadflow training tokens");
	set->numbers = train_hash("leadflow training numbers");

	plan = SPI_prepare(TRAIN_QUERY, 1, (Oid[]) {INT4OID});
	if (plan == NULL)
		elog(ERROR, "could not prepare the training query");
	limit = Int32GetDatum(leadflow_train_max_outcomes);
	portal = SPI_cursor_open(NULL, plan, &limit, NULL, true);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, TRAIN_FETCH);
		if (SPI_processed == 0)
			break;
		MemoryContextSwitchTo(cxt);
		for (i = 0; i < SPI_processed; i++)
			train_add_row(set, (int) i);
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	MemoryContextSwitchTo(cxt);
	return set;
}

/*
 * train_split_token
 *		The kind, name and value of a token, as palloc'd strings.
 */
static void
train_split_token(const char *s, int len, LfFeature *f)
{
	const char *a = memchr(s, '\x1f', len);
	const char *b = a ? memchr(a + 1, '\x1f', len - (a + 1 - s)) : NULL;

	if (b == NULL)
		elog(ERROR, "malformed model token");
	f->kind = pnstrdup(s, a - s);
	f->name = pnstrdup(a + 1, b - a - 1);
	f->value = pnstrdup(b + 1, len - (b + 1 - s));
}

/* A candidate feature: where it comes from and how often it occurs. */
typedef struct TrainCandidate
{
	int			count;
	int			token;			/* category token id, or -1 */
	int			number;			/* number id, or -1 */
	int			bin;			/* range, or -1 for missing */
} TrainCandidate;

/*
 * train_cmp_candidate
 *		qsort order: most frequent first, then by origin, so that the
 *		choice is the same on every run.
 */
static int
train_cmp_candidate(const void *a, const void *b)
{
	const TrainCandidate *x = a;
	const TrainCandidate *y = b;

	if (x->count != y->count)
		return y->count - x->count;
	if (x->token != y->token)
		return x->token - y->token;
	if (x->number != y->number)
		return x->number - y->number;
	return x->bin - y->bin;
}

/*
 * train_cmp_double
 *		qsort order of doubles, ascending.
 */
static int
train_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * train_edges
 *		The edges of every number attribute over rows [0, m): into
 *		edges[id] (LF_LEARN_MAX_BINS - 1 each) and nedges[id]; present[id]
 *		receives how many rows have the attribute.
 */
static void
train_edges(const TrainSet *set, int m, double *edges, int *nedges,
			int *present)
{
	int			end = set->num_start[m];
	double	   *vals = palloc_extended(sizeof(double) * Max(end, 1),
									   MCXT_ALLOC_HUGE);
	int			id;
	int			k;

	for (id = 0; id < set->nnums; id++)
	{
		int			n = 0;

		for (k = 0; k < end; k++)
			if (set->num_id.v[k] == id)
				vals[n++] = set->num_val.v[k];
		present[id] = n;
		qsort(vals, n, sizeof(double), train_cmp_double);
		nedges[id] = leadflow_learn_edges(vals, n, LF_LEARN_MAX_BINS,
										  &edges[id * (LF_LEARN_MAX_BINS - 1)]);
	}
	pfree(vals);
}

/*
 * train_candidates
 *		Counts every possible feature over rows [0, m) and returns those
 *		that occur, most frequent first, at most LF_LEARN_MAX_FEATURES.
 */
static TrainCandidate *
train_candidates(const TrainSet *set, int m, const double *edges,
				 const int *nedges, const int *present, int *ncand)
{
	int		   *tcount = palloc0(sizeof(int) * Max(set->ntoks, 1));
	int		   *bcount = palloc0(sizeof(int) * Max(set->nnums, 1) *
								 LF_LEARN_MAX_BINS);
	TrainCandidate *c;
	int			n = 0;
	int			k;
	int			id;
	int			b;

	for (k = 0; k < set->tok_start[m]; k++)
		tcount[set->tok.v[k]]++;
	for (k = 0; k < set->num_start[m]; k++)
	{
		id = set->num_id.v[k];
		b = leadflow_learn_bin(&edges[id * (LF_LEARN_MAX_BINS - 1)],
							   nedges[id], set->num_val.v[k]);
		bcount[id * LF_LEARN_MAX_BINS + b]++;
	}

	c = palloc(sizeof(TrainCandidate) *
			   Max(set->ntoks + set->nnums * (LF_LEARN_MAX_BINS + 1), 1));
	for (k = 0; k < set->ntoks; k++)
		if (tcount[k] > 0)
			c[n++] = (TrainCandidate) {tcount[k], k, -1, -1};
	for (id = 0; id < set->nnums; id++)
	{
		if (present[id] == 0)
			continue;
		for (b = 0; b <= nedges[id]; b++)
			if (bcount[id * LF_LEARN_MAX_BINS + b] > 0)
				c[n++] = (TrainCandidate) {bcount[id * LF_LEARN_MAX_BINS + b],
					-1, id, b};
		if (present[id] < m)
			c[n++] = (TrainCandidate) {m - present[id], -1, id, -1};
	}
	qsort(c, n, sizeof(TrainCandidate), train_cmp_candidate);
	*ncand = Min(n, LF_LEARN_MAX_FEATURES);
	pfree(tcount);
	pfree(bcount);
	return c;
}

/*
 * train_design
 *		The sparse design of rows [0, m): each row's feature numbers,
 *		given the feature of each token (tfeat), of each range (bfeat) and
 *		of each missing number attribute (mfeat).
 */
static void
train_design(const TrainSet *set, int m, const int *tfeat, const int *bfeat,
			 const int *mfeat, const double *edges, const int *nedges,
			 LfLearnData *d)
{
	int		   *start = palloc_extended(sizeof(int) * (m + 1),
										MCXT_ALLOC_HUGE);
	TrainInts	feat = {NULL, 0, 0};
	bool	   *seen = palloc(sizeof(bool) * Max(set->nnums, 1));
	int			r;
	int			k;
	int			id;

	start[0] = 0;
	for (r = 0; r < m; r++)
	{
		memset(seen, 0, sizeof(bool) * Max(set->nnums, 1));
		for (k = set->tok_start[r]; k < set->tok_start[r + 1]; k++)
			if (tfeat[set->tok.v[k]] >= 0)
				train_push_int(&feat, tfeat[set->tok.v[k]]);
		for (k = set->num_start[r]; k < set->num_start[r + 1]; k++)
		{
			int			b;

			id = set->num_id.v[k];
			seen[id] = true;
			b = leadflow_learn_bin(&edges[id * (LF_LEARN_MAX_BINS - 1)],
								   nedges[id], set->num_val.v[k]);
			if (bfeat[id * LF_LEARN_MAX_BINS + b] >= 0)
				train_push_int(&feat, bfeat[id * LF_LEARN_MAX_BINS + b]);
		}
		for (id = 0; id < set->nnums; id++)
			if (!seen[id] && mfeat[id] >= 0)
				train_push_int(&feat, mfeat[id]);
		start[r + 1] = feat.n;
	}
	d->nrows = m;
	d->row_start = start;
	d->feature = feat.v ? feat.v : palloc(sizeof(int));
	d->won = set->won;
	pfree(seen);
}

/*
 * train_fit
 *		Fits a model to rows [0, m) of the set, in a memory context under
 *		the current one.  Raises an error when the fit fails.
 */
static TrainModel
train_fit(const TrainSet *set, int m)
{
	double	   *edges = palloc(sizeof(double) * Max(set->nnums, 1) *
							   (LF_LEARN_MAX_BINS - 1));
	int		   *nedges = palloc0(sizeof(int) * Max(set->nnums, 1));
	int		   *present = palloc0(sizeof(int) * Max(set->nnums, 1));
	int		   *tfeat = palloc(sizeof(int) * Max(set->ntoks, 1));
	int		   *bfeat = palloc(sizeof(int) * Max(set->nnums, 1) *
							   LF_LEARN_MAX_BINS);
	int		   *mfeat = palloc(sizeof(int) * Max(set->nnums, 1));
	TrainCandidate *cand;
	int			ncand;
	LfFeature  *features;
	LfNumeric  *numeric;
	LfLearnData d;
	LfLearnFit	fit;
	double	   *w;
	TrainModel	tm;
	instr_time	t0;
	instr_time	t1;
	int			nnum = 0;
	int			rc;
	int			i;

	INSTR_TIME_SET_CURRENT(t0);
	train_edges(set, m, edges, nedges, present);
	cand = train_candidates(set, m, edges, nedges, present, &ncand);
	memset(tfeat, -1, sizeof(int) * Max(set->ntoks, 1));
	memset(bfeat, -1, sizeof(int) * Max(set->nnums, 1) * LF_LEARN_MAX_BINS);
	memset(mfeat, -1, sizeof(int) * Max(set->nnums, 1));
	features = palloc(sizeof(LfFeature) * Max(ncand, 1));
	for (i = 0; i < ncand; i++)
	{
		TrainCandidate *c = &cand[i];

		if (c->token >= 0)
		{
			tfeat[c->token] = i;
			train_split_token(set->tok_str[c->token],
							  set->tok_len[c->token], &features[i]);
			continue;
		}
		train_split_token(set->num_str[c->number], set->num_len[c->number],
						  &features[i]);
		if (c->bin >= 0)
		{
			bfeat[c->number * LF_LEARN_MAX_BINS + c->bin] = i;
			features[i].value = psprintf("%d", c->bin);
		}
		else
		{
			mfeat[c->number] = i;
			features[i].kind = pstrdup(LF_FEATURE_MISSING);
		}
	}

	train_design(set, m, tfeat, bfeat, mfeat, edges, nedges, &d);
	d.nfeatures = ncand;
	w = palloc(sizeof(double) * (ncand + 1));
	rc = leadflow_learn_fit(&d, leadflow_train_l2, w, &fit);
	if (rc != LF_LEARN_OK)
		ereport(ERROR,
				(errcode(rc == LF_LEARN_NO_MEMORY ?
						 ERRCODE_OUT_OF_MEMORY : ERRCODE_DATA_EXCEPTION),
				 errmsg("could not fit the lead-quality model"),
				 errdetail("The fit on %d closed leads and %d features %s.",
						   m, ncand, rc == LF_LEARN_NO_MEMORY ?
						   "ran out of memory" : "could not be solved")));
	for (i = 0; i < ncand; i++)
		features[i].weight = w[i];

	/* Only number attributes with a feature are kept in the model. */
	numeric = palloc(sizeof(LfNumeric) * Max(set->nnums, 1));
	for (i = 0; i < set->nnums; i++)
	{
		LfFeature	name;

		if (present[i] == 0)
			continue;
		train_split_token(set->num_str[i], set->num_len[i], &name);
		numeric[nnum].name = name.name;
		numeric[nnum].nedges = nedges[i];
		numeric[nnum].edges = &edges[i * (LF_LEARN_MAX_BINS - 1)];
		nnum++;
	}
	tm.model = leadflow_learn_model_build(CurrentMemoryContext, ncand,
										  features, w[ncand], nnum, numeric);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	tm.fit_ms = INSTR_TIME_GET_MILLISEC(t1);
	tm.iterations = fit.iterations;
	tm.nrows = m;
	tm.won = 0;
	for (i = 0; i < m; i++)
		tm.won += set->won[i];
	return tm;
}

/*
 * train_row_logit
 *		The model's log-odds of row r of the set, through the scorer that
 *		scores a lead being written.
 */
static double
train_row_logit(const TrainSet *set, const LfModel *model, int r)
{
	LfScorer	s;
	int			k;

	leadflow_learn_scorer_begin(&s, model);
	for (k = set->tok_start[r]; k < set->tok_start[r + 1]; k++)
	{
		int			id = set->tok.v[k];

		leadflow_learn_scorer_token(&s, set->tok_str[id], set->tok_len[id]);
	}
	for (k = set->num_start[r]; k < set->num_start[r + 1]; k++)
	{
		int			id = set->num_id.v[k];
		int			numeric;

		numeric = leadflow_learn_scorer_numeric(&s, set->num_str[id],
												set->num_len[id]);
		if (numeric >= 0)
			leadflow_learn_scorer_range(&s, numeric, set->num_val.v[k]);
	}
	return leadflow_learn_scorer_end(&s);
}

/*
 * train_judge
 *		Scores rows [from, nrows) with a model, through the same scale as
 *		the stored score (so ties are as a user sees them), and fills the
 *		quality: AUC (NaN when one outcome is missing) and calibration.
 */
static void
train_judge(const TrainSet *set, const LfModel *model, int from,
			TrainQuality *q)
{
	int			n = set->nrows - from;
	double	   *p = palloc(sizeof(double) * Max(n, 1));
	double	   *s = palloc(sizeof(double) * Max(n, 1));
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "leadflow judging",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	int			i;

	q->nrows = n;
	q->won = 0;
	q->from = set->received_at[from];
	for (i = 0; i < n; i++)
	{
		p[i] = leadflow_learn_sigmoid(train_row_logit(set, model, from + i));
		s[i] = leadflow_learn_score(p[i]);
		q->won += set->won[from + i];
		MemoryContextReset(cxt);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	q->auc = leadflow_learn_auc(s, set->won + from, n);
	q->calibration_error = leadflow_learn_calibration(p, set->won + from, n,
													  q->bins);
}

/*
 * train_calibration_json
 *		The calibration table as a jsonb array of ranges: from, to, leads,
 *		predicted, observed (four decimals).
 */
static Jsonb *
train_calibration_json(const TrainQuality *q)
{
	StringInfoData s;
	int			k;

	initStringInfo(&s);
	appendStringInfoChar(&s, '[');
	for (k = 0; k < LF_LEARN_CALIBRATION_BINS; k++)
	{
		const LfCalibrationBin *b = &q->bins[k];

		appendStringInfo(&s, "%s{\"from\": %.1f, \"to\": %.1f, \"leads\": "
						 INT64_FORMAT ", \"predicted\": ",
						 k ? ", " : "", k / 10.0, (k + 1) / 10.0, b->leads);
		if (b->leads > 0)
			appendStringInfo(&s, "%.4f, \"observed\": %.4f}",
							 b->predicted, b->observed);
		else
			appendStringInfoString(&s, "null, \"observed\": null}");
	}
	appendStringInfoChar(&s, ']');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
											  CStringGetDatum(s.data)));
}

/*
 * train_text_array, train_float_array
 *		Arrays of the model's columns.
 */
static Datum
train_text_array(const LfModel *m, int part)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(m->nfeatures, 1));
	int			i;

	for (i = 0; i < m->nfeatures; i++)
	{
		const LfFeature *f = &m->features[i];

		d[i] = CStringGetTextDatum(part == 0 ? f->kind :
								   part == 1 ? f->name : f->value);
	}
	return PointerGetDatum(construct_array(d, m->nfeatures, TEXTOID, -1,
										   false, TYPALIGN_INT));
}

static Datum
train_float_array(double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, FLOAT8OID, 8,
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

#define TRAIN_INSERT \
	"INSERT INTO leadflow.score_model (method, l2, refit, outcomes, won," \
	" intercept, feature_kind, feature_name, feature_value, feature_weight," \
	" bin_attribute, bin_edge_count, bin_edges, iterations, fit_ms," \
	" holdout_from, holdout_outcomes, holdout_won, auc, calibration_error," \
	" calibration) VALUES ('logistic_l2', $1, $2, $3, $4, $5, $6, $7, $8," \
	" $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)" \
	" RETURNING model_version"

#define TRAIN_NARGS 20

/*
 * train_store
 *		Inserts the model row and deletes all but it and the one before
 *		it.  Returns the new model_version.  SPI must be connected.
 */
static int64
train_store(const TrainModel *tm, const TrainQuality *q)
{
	static Oid	types[TRAIN_NARGS] = {
		FLOAT8OID, BOOLOID, INT4OID, INT4OID, FLOAT8OID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, FLOAT8ARRAYOID,
		TEXTARRAYOID, INT4ARRAYOID, FLOAT8ARRAYOID, INT4OID, FLOAT8OID,
		TIMESTAMPTZOID, INT4OID, INT4OID, FLOAT8OID, FLOAT8OID, JSONBOID
	};
	const LfModel *m = tm->model;
	Datum		v[TRAIN_NARGS];
	char		nulls[TRAIN_NARGS];
	double	   *weights = palloc(sizeof(double) * Max(m->nfeatures, 1));
	Datum	   *battr = palloc(sizeof(Datum) * Max(m->nnumeric, 1));
	Datum	   *bcount = palloc(sizeof(Datum) * Max(m->nnumeric, 1));
	TrainDoubles edges = {NULL, 0, 0};
	bool		isnull;
	int			i;
	int			k;

	memset(nulls, ' ', sizeof(nulls));
	for (i = 0; i < m->nfeatures; i++)
		weights[i] = m->features[i].weight;
	for (i = 0; i < m->nnumeric; i++)
	{
		battr[i] = CStringGetTextDatum(m->numeric[i].name);
		bcount[i] = Int32GetDatum(m->numeric[i].nedges);
		for (k = 0; k < m->numeric[i].nedges; k++)
			train_push_double(&edges, m->numeric[i].edges[k]);
	}

	v[0] = Float8GetDatum(leadflow_train_l2);
	v[1] = BoolGetDatum(leadflow_train_refit);
	v[2] = Int32GetDatum(tm->nrows);
	v[3] = Int32GetDatum(tm->won);
	v[4] = Float8GetDatum(m->intercept);
	v[5] = train_text_array(m, 0);
	v[6] = train_text_array(m, 1);
	v[7] = train_text_array(m, 2);
	v[8] = train_float_array(weights, m->nfeatures);
	v[9] = PointerGetDatum(construct_array(battr, m->nnumeric, TEXTOID, -1,
										   false, TYPALIGN_INT));
	v[10] = PointerGetDatum(construct_array(bcount, m->nnumeric, INT4OID, 4,
											true, TYPALIGN_INT));
	v[11] = train_float_array(edges.v, edges.n);
	v[12] = Int32GetDatum(tm->iterations);
	v[13] = Float8GetDatum(tm->fit_ms);
	if (q == NULL)
	{
		for (i = 14; i < TRAIN_NARGS; i++)
			nulls[i] = 'n';
	}
	else
	{
		v[14] = TimestampTzGetDatum(q->from);
		v[15] = Int32GetDatum(q->nrows);
		v[16] = Int32GetDatum(q->won);
		v[17] = Float8GetDatum(q->auc);
		nulls[17] = isnan(q->auc) ? 'n' : ' ';
		v[18] = Float8GetDatum(q->calibration_error);
		nulls[18] = isnan(q->calibration_error) ? 'n' : ' ';
		v[19] = JsonbPGetDatum(train_calibration_json(q));
	}

	if (SPI_execute_with_args(TRAIN_INSERT, TRAIN_NARGS, types, v, nulls,
							  false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not store the lead-quality model");
	v[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
						 &isnull);
	if (SPI_execute_with_args("DELETE FROM leadflow.score_model"
							  " WHERE model_version < (SELECT"
							  " pg_catalog.max(model_version)"
							  " FROM leadflow.score_model"
							  " WHERE model_version < $1)",
							  1, (Oid[]) {INT8OID}, v, NULL, false, 0)
		!= SPI_OK_DELETE)
		elog(ERROR, "could not delete old lead-quality models");
	return DatumGetInt64(v[0]);
}

/*
 * train_classes_ok
 *		Whether rows [from, to) hold both a won and a lost lead.
 */
static bool
train_classes_ok(const TrainSet *set, int from, int to)
{
	int			won = 0;
	int			i;

	for (i = from; i < to; i++)
		won += set->won[i];
	return won > 0 && won < to - from;
}

/*
 * train_on
 *		The training proper on a set that was read: judge a fit on the
 *		older leads with the newest ones, fit the model to use, store.
 *		Returns the new version, or 0 with *message saying why not.
 */
static int64
train_on(TrainSet *set, char **message)
{
	int			n = set->nrows;
	int			nhold = (int) floor(n * leadflow_train_holdout);
	TrainModel	judged = {NULL, 0, 0, 0, 0};
	TrainModel	used;
	TrainQuality q;
	bool		have_q = false;
	int64		version;

	if (n < leadflow_train_min_outcomes)
	{
		*message = psprintf("%d closed leads, fewer than "
							"leadflow.train_min_outcomes (%d); score v1 stays",
							n, leadflow_train_min_outcomes);
		return 0;
	}
	if (!train_classes_ok(set, 0, n))
	{
		*message = psprintf("the %d closed leads are all %s; score v1 stays",
							n, set->won[0] ? "won" : "lost");
		return 0;
	}

	if (nhold > 0 && train_classes_ok(set, 0, n - nhold))
	{
		judged = train_fit(set, n - nhold);
		train_judge(set, judged.model, n - nhold, &q);
		have_q = true;
	}
	used = (have_q && !leadflow_train_refit) ? judged : train_fit(set, n);
	version = train_store(&used, have_q ? &q : NULL);
	if (have_q)
		*message = psprintf("model %lld on %d closed leads, %d features; "
							"holdout of %d: AUC %.4f, calibration error %.4f",
							(long long) version, used.nrows,
							used.model->nfeatures, q.nrows, q.auc,
							q.calibration_error);
	else
		*message = psprintf("model %lld on %d closed leads, %d features; "
							"no holdout to judge it",
							(long long) version, used.nrows,
							used.model->nfeatures);
	return version;
}

/*
 * leadflow_learn_train
 *		Trains a model on the closed leads and stores it.  Returns its
 *		version, or 0 when there are too few outcomes (score v1 stays);
 *		*message (palloc'd in the caller's context) says what happened.
 *		Needs a transaction; runs as the owner of leadflow.lead.
 */
int64
leadflow_learn_train(char **message)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(caller, "leadflow training",
											  ALLOCSET_DEFAULT_SIZES);
	LeadflowSavedUser saved;
	TrainSet   *set;
	int64		version;
	char	   *msg = NULL;

	leadflow_become_owner(leadflow_table("lead"), &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	set = train_read();
	version = train_on(set, &msg);
	MemoryContextSwitchTo(caller);
	*message = pstrdup(msg);
	SPI_finish();
	leadflow_restore_user(&saved);
	MemoryContextDelete(cxt);
	return version;
}

/*
 * leadflow_learn_train_due
 *		Whether the worker should train now: neither a model nor a
 *		training attempt (a run of job train that read the closed leads,
 *		by the worker or by hand, as leadflow.job_run records it) within
 *		the last interval_s seconds.
 */
bool
leadflow_learn_train_due(int interval_s)
{
	LeadflowSavedUser saved;
	bool		isnull;
	Datum		d;
	bool		due;

	leadflow_become_owner(leadflow_table("score_model"), &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT GREATEST("
					"(SELECT pg_catalog.max(trained_at)"
					" FROM leadflow.score_model),"
					" (SELECT pg_catalog.max(started) FROM leadflow.job_run"
					"  WHERE job = 'train' AND status = 'ok'"
					"  AND message OPERATOR(pg_catalog.~~) '%closed leads%'))",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the time of the last training");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
					  &isnull);
	due = isnull ||
		DatumGetTimestampTz(d) + (int64) interval_s * USECS_PER_SEC <=
		GetCurrentTimestamp();
	SPI_finish();
	leadflow_restore_user(&saved);
	return due;
}

/*
 * leadflow_learn_rescore
 *		Rescores at most batch_size open leads whose score is not from the
 *		current model (older model, or score v1), oldest lead first,
 *		skipping leads that others hold locked.  Each is rewritten with
 *		score_model_version = 0, which the lead trigger takes as a request
 *		to score again.  Returns how many were rescored; *more says the
 *		batch was full.  Nothing to do without a model.
 */
int64
leadflow_learn_rescore(int batch_size, bool *more)
{
	int64		version = leadflow_learn_current_version();
	LeadflowSavedUser saved;
	Datum		v[2];
	int64		n;

	*more = false;
	if (version == 0)
		return 0;
	v[0] = Int64GetDatum(version);
	v[1] = Int32GetDatum(batch_size);
	leadflow_become_owner(leadflow_table("lead"), &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("UPDATE leadflow.lead SET score_model_version = 0"
							  " WHERE lead_id OPERATOR(pg_catalog.=) ANY (ARRAY("
							  "SELECT lead_id FROM leadflow.lead"
							  " WHERE stage NOT IN " TRAIN_CLOSED_STAGES
							  " AND (score_model_version IS NULL"
							  " OR score_model_version OPERATOR(pg_catalog.<) $1"
							  " OR score_model_version OPERATOR(pg_catalog.>) $1)"
							  " ORDER BY lead_id LIMIT $2"
							  " FOR NO KEY UPDATE SKIP LOCKED))",
							  2, (Oid[]) {INT8OID, INT4OID}, v, NULL,
							  false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not rescore open leads");
	n = (int64) SPI_processed;
	SPI_finish();
	leadflow_restore_user(&saved);
	*more = (n >= batch_size);
	return n;
}

/*
 * leadflow_train_model
 *		SQL: leadflow.train_model() returns bigint.  Trains a model now, in
 *		the calling transaction, and records the run in leadflow.job_run.
 *		Returns the new model_version, or NULL (with a NOTICE) when there
 *		are too few outcomes.
 */
Datum
leadflow_train_model(PG_FUNCTION_ARGS)
{
	TimestampTz started = GetCurrentTimestamp();
	char	   *message;
	int64		version = leadflow_learn_train(&message);

	leadflow_jobrun_record("train", started, version ? 1 : 0, message);
	if (version == 0)
	{
		ereport(NOTICE,
				(errmsg("no lead-quality model was trained"),
				 errdetail("%s.", message)));
		PG_RETURN_NULL();
	}
	PG_RETURN_INT64(version);
}

/*
 * leadflow_rescore_open_leads
 *		SQL: leadflow.rescore_open_leads(batch_size integer DEFAULT NULL)
 *		returns bigint.  One rescoring batch now (leadflow.rescore_batch_size
 *		leads when NULL); returns the leads rescored.
 */
Datum
leadflow_rescore_open_leads(PG_FUNCTION_ARGS)
{
	int			batch = PG_ARGISNULL(0) ? leadflow_rescore_batch_size :
		PG_GETARG_INT32(0);
	bool		more;

	if (batch <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch size must be positive, not %d", batch)));
	PG_RETURN_INT64(leadflow_learn_rescore(batch, &more));
}
