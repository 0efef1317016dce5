/*-------------------------------------------------------------------------
 *
 * extension/score.c
 *		The lead-quality score v1 and its explanation, and the SQL entry
 *		leadflow.score_v1() that exposes it for tests and debugging.
 *
 * A score is a sum of terms (see score_math.h for the scale): a base,
 * contact validity, the duplicate flag, the channel's and the campaign's
 * smoothed won rate against the overall won rate, and the points of every
 * active score rule that holds for the lead's attributes; clamped to
 * 0..100.  The explanation is a jsonb object:
 *
 *	 {"model": "v1", "score": S, "total": T, "base": 40,
 *	  "overall_rate": R, "smoothing": M,
 *	  "factors": [{"factor": "contact", "phone": "valid", "email": "none",
 *				   "points": 15},
 *				  {"factor": "duplicate", "duplicate": false, "points": 0},
 *				  {"factor": "channel", "channel": "web", "closed": 120,
 *				   "won": 12, "rate": 0.1000, "points": 0},
 *				  {"factor": "campaign", "campaign_id": 7, ...},
 *				  {"factor": "rule", "rule_id": 3, "name": "...",
 *				   "points": 10}, ...]}
 *
 * where T is the unclamped sum, rates have four decimals and "rate" is the
 * smoothed rate.  A later learned model writes "model" other than "v1".
 *
 * The hot path reads only the per-backend caches of score_cache.c (no
 * table access once they are warm) and allocates in the caller's memory
 * context.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "score.h"
#include "score_cache.h"
#include "score_math.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(leadflow_score_v1_sql);

/* One history term: a channel's or a campaign's counts and points. */
typedef struct ScoreHistory
{
	bool		known;			/* the lead has this channel or campaign */
	LfScoreCounts counts;
	double		rate;			/* smoothed won rate */
	int			points;
} ScoreHistory;

/* Everything a score is made of, for the sum and the explanation. */
typedef struct ScoreTerms
{
	int			contact;
	int			duplicate;
	double		overall;
	double		smoothing;
	ScoreHistory channel;
	ScoreHistory campaign;
	const LfScoreRule *rules;
	int			nrules;
	bool	   *matched;		/* per cached rule */
	int64		total;
	int			score;
} ScoreTerms;

/*
 * score_history
 *		Fills a history term from its counts.
 */
static void
score_history(ScoreHistory *h, bool known, LfScoreCounts counts,
			  const ScoreTerms *t)
{
	h->known = known;
	h->counts = counts;
	h->rate = leadflow_score_smoothed_rate(counts.won, counts.closed,
										   t->overall, t->smoothing);
	h->points = known ? leadflow_score_history_points(h->rate, t->overall) : 0;
}

/*
 * score_compute
 *		Computes every term of the score for one lead into *t.  The caches
 *		must be ready.
 */
static void
score_compute(const LeadflowScoreInput *in, ScoreTerms *t)
{
	LfScoreCounts all = leadflow_score_counts_all();
	JsonbContainer *attributes = NULL;
	int			i;

	t->contact = leadflow_score_contact_points(in->has_phone, in->phone_valid,
											   in->has_email, in->email_valid);
	t->duplicate = leadflow_score_duplicate_points(in->duplicate);
	t->total = LF_SCORE_BASE + t->contact + t->duplicate;

	t->overall = leadflow_score_overall_rate(all.won, all.closed);
	t->smoothing = leadflow_score_smoothing;
	score_history(&t->channel, in->channel != NULL,
				  leadflow_score_counts_channel(in->channel), t);
	score_history(&t->campaign, in->campaign_id != 0,
				  leadflow_score_counts_campaign(in->campaign_id), t);
	t->total += t->channel.points + t->campaign.points;

	/* Attributes that are not an object have no keys for rules to read. */
	if (in->attributes != NULL && JB_ROOT_IS_OBJECT(in->attributes))
		attributes = &in->attributes->root;
	t->rules = leadflow_score_cached_rules(&t->nrules);
	t->matched = palloc(sizeof(bool) * Max(t->nrules, 1));
	for (i = 0; i < t->nrules; i++)
	{
		t->matched[i] = leadflow_score_rule_matches(&t->rules[i], attributes);
		if (t->matched[i])
			t->total += t->rules[i].points;
	}

	t->score = leadflow_score_clamp(t->total);
}

/* Most pairs any object of the explanation has. */
#define SCORE_MAX_PAIRS 8

/*
 * score_object
 *		A new, empty JSON object value with room for SCORE_MAX_PAIRS pairs.
 */
static JsonbValue *
score_object(void)
{
	JsonbValue *obj = palloc(sizeof(JsonbValue));

	obj->type = jbvObject;
	obj->val.object.nPairs = 0;
	obj->val.object.pairs = palloc(sizeof(JsonbPair) * SCORE_MAX_PAIRS);
	return obj;
}

/*
 * score_add
 *		Adds a key (a string constant or one that outlives the explanation)
 *		to an object and returns its value slot, for a score_set_* call.
 */
static JsonbValue *
score_add(JsonbValue *obj, const char *key)
{
	JsonbPair  *pair;

	Assert(obj->val.object.nPairs < SCORE_MAX_PAIRS);
	pair = &obj->val.object.pairs[obj->val.object.nPairs];
	pair->key.type = jbvString;
	pair->key.val.string.val = (char *) key;
	pair->key.val.string.len = strlen(key);
	pair->order = obj->val.object.nPairs++;
	return &pair->value;
}

/*
 * score_key_before
 *		Whether key a sorts before key b in a jsonb object: shorter keys
 *		first, then byte order.
 */
static bool
score_key_before(const JsonbValue *a, const JsonbValue *b)
{
	if (a->val.string.len != b->val.string.len)
		return a->val.string.len < b->val.string.len;
	return memcmp(a->val.string.val, b->val.string.val,
				  a->val.string.len) < 0;
}

/*
 * score_close
 *		Puts an object's keys in jsonb order, as JsonbValueToJsonb expects
 *		(our keys are distinct).  Insertion sort: at most SCORE_MAX_PAIRS
 *		pairs, which is cheaper here than the general sort that
 *		pushJsonbValue runs on every object.
 */
static void
score_close(JsonbValue *obj)
{
	JsonbPair  *pairs = obj->val.object.pairs;
	int			i;
	int			j;

	for (i = 1; i < obj->val.object.nPairs; i++)
	{
		JsonbPair	p = pairs[i];

		for (j = i; j > 0 && score_key_before(&p.key, &pairs[j - 1].key); j--)
			pairs[j] = pairs[j - 1];
		pairs[j] = p;
	}
}

/*
 * score_set_int
 *		Sets a value slot to an integer.
 */
static void
score_set_int(JsonbValue *v, int64 n)
{
	v->type = jbvNumeric;
	v->val.numeric = int64_to_numeric(n);
}

/*
 * score_set_rate
 *		Sets a value slot to a rate (0..1) with four decimals.
 */
static void
score_set_rate(JsonbValue *v, double rate)
{
	v->type = jbvNumeric;
	v->val.numeric =
		int64_div_fast_to_numeric(leadflow_score_round(rate * 10000.0), 4);
}

/*
 * score_set_text
 *		Sets a value slot to a string (which must outlive the explanation's
 *		conversion), or to JSON null for NULL.
 */
static void
score_set_text(JsonbValue *v, const char *s)
{
	if (s == NULL)
	{
		v->type = jbvNull;
		return;
	}
	v->type = jbvString;
	v->val.string.val = (char *) s;
	v->val.string.len = strlen(s);
}

/*
 * score_set_bool
 *		Sets a value slot to a boolean.
 */
static void
score_set_bool(JsonbValue *v, bool b)
{
	v->type = jbvBool;
	v->val.boolean = b;
}

/*
 * score_contact_word
 *		"valid", "invalid" or "none" for one contact.
 */
static const char *
score_contact_word(bool has, bool valid)
{
	if (!has)
		return "none";
	return valid ? "valid" : "invalid";
}

/*
 * score_factor
 *		Starts the object of one factor in the next element of the factors
 *		array: its name now, its points in the last pair.
 */
static JsonbValue *
score_factor(JsonbValue *factors, const char *name, int points)
{
	JsonbValue *f = &factors->val.array.elems[factors->val.array.nElems++];

	f->type = jbvObject;
	f->val.object.nPairs = 0;
	f->val.object.pairs = palloc(sizeof(JsonbPair) * SCORE_MAX_PAIRS);
	score_set_text(score_add(f, "factor"), name);
	score_set_int(score_add(f, "points"), points);
	return f;
}

/*
 * score_history_pairs
 *		Adds the counts and rate of a history factor the lead has.
 */
static void
score_history_pairs(JsonbValue *f, const ScoreHistory *h)
{
	if (!h->known)
		return;
	score_set_int(score_add(f, "closed"), h->counts.closed);
	score_set_int(score_add(f, "won"), h->counts.won);
	score_set_rate(score_add(f, "rate"), h->rate);
}

/*
 * score_factors
 *		The "factors" array: contact, duplicate, channel, campaign, then
 *		each matching rule in rule_id order.
 */
static void
score_factors(JsonbValue *factors, const LeadflowScoreInput *in,
			  const ScoreTerms *t)
{
	JsonbValue *f;
	int			nmatched = 0;
	int			i;

	for (i = 0; i < t->nrules; i++)
		nmatched += t->matched[i] ? 1 : 0;
	factors->type = jbvArray;
	factors->val.array.rawScalar = false;
	factors->val.array.nElems = 0;
	factors->val.array.elems = palloc(sizeof(JsonbValue) * (4 + nmatched));

	f = score_factor(factors, "contact", t->contact);
	score_set_text(score_add(f, "phone"),
				   score_contact_word(in->has_phone, in->phone_valid));
	score_set_text(score_add(f, "email"),
				   score_contact_word(in->has_email, in->email_valid));
	score_close(f);

	f = score_factor(factors, "duplicate", t->duplicate);
	score_set_bool(score_add(f, "duplicate"), in->duplicate);
	score_close(f);

	f = score_factor(factors, "channel", t->channel.points);
	score_set_text(score_add(f, "channel"), in->channel);
	score_history_pairs(f, &t->channel);
	score_close(f);

	f = score_factor(factors, "campaign", t->campaign.points);
	if (in->campaign_id != 0)
		score_set_int(score_add(f, "campaign_id"), in->campaign_id);
	else
		score_set_text(score_add(f, "campaign_id"), NULL);
	score_history_pairs(f, &t->campaign);
	score_close(f);

	for (i = 0; i < t->nrules; i++)
	{
		if (!t->matched[i])
			continue;
		f = score_factor(factors, "rule", t->rules[i].points);
		score_set_int(score_add(f, "rule_id"), t->rules[i].rule_id);
		score_set_text(score_add(f, "name"), t->rules[i].name);
		score_close(f);
	}
}

/*
 * score_smoothing_numeric
 *		The smoothing setting as a numeric: exact for whole numbers, else
 *		through float8's shortest exact text.
 */
static Numeric
score_smoothing_numeric(double m)
{
	if (m == floor(m) && fabs(m) < 1e15)
		return int64_to_numeric((int64) m);
	return DatumGetNumeric(DirectFunctionCall1(float8_numeric,
											   Float8GetDatum(m)));
}

/*
 * score_explain
 *		Builds the explanation jsonb of a computed score.  The value tree is
 *		assembled directly, keys in jsonb order, and converted once.
 */
static Jsonb *
score_explain(const LeadflowScoreInput *in, const ScoreTerms *t)
{
	JsonbValue *root = score_object();
	JsonbValue *m;

	score_set_text(score_add(root, "model"), "v1");
	score_set_int(score_add(root, "score"), t->score);
	score_set_int(score_add(root, "total"), t->total);
	score_set_int(score_add(root, "base"), LF_SCORE_BASE);
	score_set_rate(score_add(root, "overall_rate"), t->overall);
	m = score_add(root, "smoothing");
	m->type = jbvNumeric;
	m->val.numeric = score_smoothing_numeric(t->smoothing);
	score_factors(score_add(root, "factors"), in, t);
	score_close(root);
	return JsonbValueToJsonb(root);
}

/*
 * leadflow_score_v1
 *		Scores one lead: returns 0..100 and, when explanation is not NULL,
 *		sets *explanation to a jsonb palloc'd in CurrentMemoryContext that
 *		gives each factor and its points.  in->attributes may be any jsonb
 *		(only an object has keys for rules to read); NULL is read as no
 *		attributes.  Needs an open transaction; reads the score rules and
 *		close statistics from the per-backend caches, loading them first
 *		when stale (which may raise an error if the tables are gone).
 */
int16
leadflow_score_v1(const LeadflowScoreInput *in, Jsonb **explanation)
{
	ScoreTerms	t;

	leadflow_score_cache_ready();
	score_compute(in, &t);
	if (explanation != NULL)
		*explanation = score_explain(in, &t);
	pfree(t.matched);
	return (int16) t.score;
}

/*
 * leadflow_score_result_desc
 *		The blessed tuple descriptor of a scoring function's result row
 *		(score_v1's, score_learned's), built once per call site and kept
 *		in fn_extra.
 */
TupleDesc
leadflow_score_result_desc(FunctionCallInfo fcinfo)
{
	TupleDesc	desc;
	MemoryContext old;

	if (fcinfo->flinfo->fn_extra != NULL)
		return (TupleDesc) fcinfo->flinfo->fn_extra;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "%s is not declared to return a row",
			 get_func_name(fcinfo->flinfo->fn_oid));
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	desc = BlessTupleDesc(CreateTupleDescCopy(desc));
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = desc;
	return desc;
}

/*
 * leadflow_score_input_from_args
 *		Reads the six arguments every SQL scoring function takes (channel,
 *		campaign_id, phone_valid, email_valid, duplicate, attributes) into
 *		*in.  A NULL channel or campaign means none, a NULL validity means
 *		the lead has no such contact, a NULL duplicate means not a
 *		duplicate, NULL attributes mean none.
 */
void
leadflow_score_input_from_args(FunctionCallInfo fcinfo,
							   LeadflowScoreInput *in)
{
	in->channel = PG_ARGISNULL(0) ? NULL :
		text_to_cstring(PG_GETARG_TEXT_PP(0));
	in->campaign_id = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	in->has_phone = !PG_ARGISNULL(2);
	in->phone_valid = in->has_phone && PG_GETARG_BOOL(2);
	in->has_email = !PG_ARGISNULL(3);
	in->email_valid = in->has_email && PG_GETARG_BOOL(3);
	in->duplicate = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	in->attributes = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);
}

/*
 * leadflow_score_v1_sql
 *		SQL: leadflow.score_v1(channel text, campaign_id integer,
 *		phone_valid boolean, email_valid boolean, duplicate boolean,
 *		attributes jsonb, OUT score smallint, OUT explanation jsonb).
 *		Not strict: a NULL channel or campaign means none, a NULL validity
 *		means the lead has no such contact, a NULL duplicate means not a
 *		duplicate, NULL attributes mean none.
 */
Datum
leadflow_score_v1_sql(PG_FUNCTION_ARGS)
{
	LeadflowScoreInput in;
	Jsonb	   *explanation;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	TupleDesc	desc = leadflow_score_result_desc(fcinfo);

	leadflow_score_input_from_args(fcinfo, &in);

	values[0] = Int16GetDatum(leadflow_score_v1(&in, &explanation));
	values[1] = JsonbPGetDatum(explanation);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
