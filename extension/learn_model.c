/*-------------------------------------------------------------------------
 *
 * extension/learn_model.c
 *		Scoring a lead with the learned model: the lead's tokens, a model
 *		ready to score, the log-odds and the explanation, the per-backend
 *		cache of the current model, and leadflow.score_learned().
 *
 * The current model is the row of leadflow.score_model with the highest
 * model_version.  Each backend keeps it in a memory context under
 * CacheMemoryContext, loaded on first use in a transaction; the table's
 * statement trigger leadflow.config_changed() sends a relcache
 * invalidation that clears the cache's validity flag in every backend
 * (config_cache.c), so a new model is loaded by the next lead scored
 * after the training commits, and no lead write reads the table while
 * the flag stands.  A load reads with the latest snapshot (as
 * score_cache.c does), so a transaction that started before the new model
 * committed still picks it up once invalidated.  The flag is set before
 * the load reads, so an invalidation that arrives during the load leaves
 * it clear and the next call loads again.
 *
 * A lead's log-odds is the model's intercept plus the weight of every
 * feature the lead has; its score is 100 times the probability, rounded.
 * Scoring allocates only in the caller's memory context.
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
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"

#include "config_cache.h"
#include "learn.h"
#include "owner.h"

PG_FUNCTION_INFO_V1(leadflow_score_learned_sql);

/* Factors an explanation lists by name; the rest are summed up. */
#define LEARN_EXPLAIN_FACTORS	5

/* Separator of a token's parts; never part of a sane key or value. */
#define LEARN_TOKEN_SEP			'\x1f'

/* A lookup key: a token by pointer and length. */
typedef struct LearnKey
{
	const char *s;
	int			len;
} LearnKey;

/* A lookup entry: the feature of a token, or the number attribute. */
typedef struct LearnEntry
{
	LearnKey	key;
	int			feature;		/* -1 when the token is a number's */
	int			numeric;		/* -1 when the token is a feature's */
} LearnEntry;

/* The cache of the current model. */
static LfModel *learn_current = NULL;
static bool learn_valid = false;
static SPIPlanPtr learn_load_plan = NULL;

#define LEARN_LOAD_QUERY \
	"SELECT model_version, intercept, feature_kind, feature_name," \
	" feature_value, feature_weight, bin_attribute, bin_edge_count," \
	" bin_edges FROM leadflow.score_model" \
	" ORDER BY model_version DESC LIMIT 1"

/*
 * learn_key_hash, learn_key_match
 *		Hash and equality of LearnKey, by the bytes they point at.
 */
static uint32
learn_key_hash(const void *key, Size keysize)
{
	const LearnKey *k = (const LearnKey *) key;

	return hash_bytes((const unsigned char *) k->s, k->len);
}

static int
learn_key_match(const void *key1, const void *key2, Size keysize)
{
	const LearnKey *a = (const LearnKey *) key1;
	const LearnKey *b = (const LearnKey *) key2;

	if (a->len != b->len)
		return 1;
	return memcmp(a->s, b->s, a->len);
}

/* Longest token: a kind, two separators, a name and a value. */
#define LEARN_TOKEN_MAX			(16 + 2 * LF_TOKEN_PART_MAX)

/*
 * learn_part_ok
 *		Whether a name or value may be part of a token: not too long, and
 *		free of the separator.
 */
static bool
learn_part_ok(const char *s, int len)
{
	return len <= LF_TOKEN_PART_MAX &&
		memchr(s, LEARN_TOKEN_SEP, len) == NULL;
}

/*
 * learn_token
 *		Writes the token "kind\x1fname\x1fvalue" into buf (room for
 *		LEARN_TOKEN_MAX + 1 bytes; name and value must pass learn_part_ok)
 *		and returns its length.
 */
static int
learn_token(char *buf, const char *kind, const char *name, int name_len,
			const char *value, int value_len)
{
	int			kind_len = strlen(kind);
	int			n = 0;

	memcpy(buf, kind, kind_len);
	n += kind_len;
	buf[n++] = LEARN_TOKEN_SEP;
	memcpy(buf + n, name, name_len);
	n += name_len;
	buf[n++] = LEARN_TOKEN_SEP;
	memcpy(buf + n, value, value_len);
	n += value_len;
	buf[n] = '\0';
	return n;
}

/*
 * learn_contact_word
 *		"valid", "invalid" or "none" for one contact.
 */
static const char *
learn_contact_word(bool has, bool valid)
{
	if (!has)
		return "none";
	return valid ? "valid" : "invalid";
}

/*
 * learn_builtin
 *		Hands the token of a fact that is not an attribute to callback.
 */
static void
learn_builtin(char *buf, const char *kind, const char *value,
			  LfTokenCallback callback, void *arg)
{
	int			len = strlen(value);

	if (!learn_part_ok(value, len))
		return;
	callback(arg, buf, learn_token(buf, kind, "", 0, value, len), NULL);
}

/*
 * learn_attribute
 *		Hands the token of one attribute pair to callback: a string or
 *		boolean as a category, a finite number as a number.  Nulls, arrays,
 *		objects and keys or strings that cannot be part of a token give
 *		nothing.
 */
static void
learn_attribute(char *buf, const JsonbValue *key, const JsonbValue *value,
				LfTokenCallback callback, void *arg)
{
	const char *name = key->val.string.val;
	int			name_len = key->val.string.len;
	int			len;

	if (!learn_part_ok(name, name_len))
		return;
	switch (value->type)
	{
		case jbvString:
			if (!learn_part_ok(value->val.string.val, value->val.string.len))
				break;
			len = learn_token(buf, LF_FEATURE_ATTRIBUTE, name, name_len,
							  value->val.string.val, value->val.string.len);
			callback(arg, buf, len, NULL);
			break;
		case jbvBool:
			len = learn_token(buf, LF_FEATURE_ATTRIBUTE, name, name_len,
							  value->val.boolean ? "true" : "false",
							  value->val.boolean ? 4 : 5);
			callback(arg, buf, len, NULL);
			break;
		case jbvNumeric:
			if (numeric_is_nan(value->val.numeric) ||
				numeric_is_inf(value->val.numeric))
				break;
			len = learn_token(buf, LF_FEATURE_RANGE, name, name_len, "", 0);
			callback(arg, buf, len, value->val.numeric);
			break;
		default:
			break;
	}
}

/*
 * leadflow_learn_each_token
 *		Takes a lead apart into the tokens the model reads and hands each
 *		to callback: channel, campaign, phone, e-mail, duplicate, then one
 *		per top-level attribute.  in->attributes may be NULL or any jsonb;
 *		only an object has attributes.  Allocates nothing itself.
 */
void
leadflow_learn_each_token(const LeadflowScoreInput *in,
						  LfTokenCallback callback, void *arg)
{
	char		buf[LEARN_TOKEN_MAX + 1];
	char		campaign[16];

	if (in->channel != NULL)
		learn_builtin(buf, LF_FEATURE_CHANNEL, in->channel, callback, arg);
	if (in->campaign_id != 0)
	{
		snprintf(campaign, sizeof(campaign), "%d", in->campaign_id);
		learn_builtin(buf, LF_FEATURE_CAMPAIGN, campaign, callback, arg);
	}
	learn_builtin(buf, LF_FEATURE_PHONE,
				  learn_contact_word(in->has_phone, in->phone_valid),
				  callback, arg);
	learn_builtin(buf, LF_FEATURE_EMAIL,
				  learn_contact_word(in->has_email, in->email_valid),
				  callback, arg);
	learn_builtin(buf, LF_FEATURE_DUPLICATE, in->duplicate ? "yes" : "no",
				  callback, arg);

	if (in->attributes != NULL && JB_ROOT_IS_OBJECT(in->attributes) &&
		JB_ROOT_COUNT(in->attributes) > 0)
	{
		JsonbIterator *it = JsonbIteratorInit(&in->attributes->root);
		JsonbValue	key;
		JsonbValue	value;
		JsonbIteratorToken r;

		while ((r = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
		{
			if (r != WJB_KEY)
				continue;
			r = JsonbIteratorNext(&it, &value, true);
			if (r == WJB_VALUE)
				learn_attribute(buf, &key, &value, callback, arg);
		}
	}
}

/*
 * leadflow_learn_number
 *		A jsonb number as a double (huge values become infinities).
 */
double
leadflow_learn_number(Numeric number)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(number)));
}

/*
 * learn_lookup_enter
 *		Enters a token into a model's lookup; returns the entry (existing
 *		or new, with both indexes -1 when new).  The token must live in
 *		the model's context.
 */
static LearnEntry *
learn_lookup_enter(HTAB *lookup, const char *token, int len)
{
	LearnKey	key = {token, len};
	LearnEntry *e;
	bool		found;

	e = hash_search(lookup, &key, HASH_ENTER, &found);
	if (!found)
	{
		e->feature = -1;
		e->numeric = -1;
	}
	return e;
}

/*
 * learn_token_copy
 *		A token palloc'd in the current context; *len receives its length.
 */
static char *
learn_token_copy(const char *kind, const char *name, const char *value,
				 int *len)
{
	char	   *buf = palloc(strlen(kind) + strlen(name) + strlen(value) + 3);

	*len = learn_token(buf, kind, name, strlen(name), value, strlen(value));
	return buf;
}

/*
 * learn_find
 *		The lookup entry of a token, or NULL.
 */
static LearnEntry *
learn_find(const LfModel *m, const char *token, int len)
{
	LearnKey	key;

	key.s = token;
	key.len = len;
	return hash_search(m->lookup, &key, HASH_FIND, NULL);
}

/*
 * learn_link_numeric
 *		Points a number attribute's ranges and its missing feature at the
 *		features "range"/"missing" that name it.  A range number outside
 *		the attribute's ranges is ignored.
 */
static void
learn_link_numeric(LfModel *m, int f)
{
	LfFeature  *feat = &m->features[f];
	int			len;
	char	   *token;
	LearnEntry *e;
	LfNumeric  *num;

	token = learn_token_copy(LF_FEATURE_RANGE, feat->name, "", &len);
	e = learn_find(m, token, len);
	pfree(token);
	if (e == NULL || e->numeric < 0)
		return;
	num = &m->numeric[e->numeric];
	if (strcmp(feat->kind, LF_FEATURE_MISSING) == 0)
		num->missing_feature = f;
	else
	{
		int			bin = atoi(feat->value);

		if (bin >= 0 && bin <= num->nedges)
			num->range_feature[bin] = f;
	}
}

/* Most pairs of an explanation object. */
#define LEARN_MAX_PAIRS			8

/*
 * learn_key_before
 *		Whether object key a sorts before key b in a jsonb object: shorter
 *		keys first, then byte order.
 */
static bool
learn_key_before(const JsonbValue *a, const JsonbValue *b)
{
	if (a->val.string.len != b->val.string.len)
		return a->val.string.len < b->val.string.len;
	return memcmp(a->val.string.val, b->val.string.val,
				  a->val.string.len) < 0;
}

/*
 * learn_object
 *		Makes v an empty object with room for LEARN_MAX_PAIRS pairs.
 */
static void
learn_object(JsonbValue *v)
{
	v->type = jbvObject;
	v->val.object.nPairs = 0;
	v->val.object.pairs = palloc(sizeof(JsonbPair) * LEARN_MAX_PAIRS);
}

/*
 * learn_add
 *		Adds a key (a string that outlives the object) and returns its
 *		value slot.
 */
static JsonbValue *
learn_add(JsonbValue *obj, const char *key)
{
	JsonbPair  *pair = &obj->val.object.pairs[obj->val.object.nPairs];

	Assert(obj->val.object.nPairs < LEARN_MAX_PAIRS);
	pair->key.type = jbvString;
	pair->key.val.string.val = (char *) key;
	pair->key.val.string.len = strlen(key);
	pair->order = obj->val.object.nPairs++;
	return &pair->value;
}

/*
 * learn_close
 *		Puts an object's keys in jsonb order (they are distinct), as
 *		JsonbValueToJsonb expects.
 */
static void
learn_close(JsonbValue *obj)
{
	JsonbPair  *pairs = obj->val.object.pairs;
	int			i;
	int			j;

	for (i = 1; i < obj->val.object.nPairs; i++)
	{
		JsonbPair	p = pairs[i];

		for (j = i; j > 0 && learn_key_before(&p.key, &pairs[j - 1].key); j--)
			pairs[j] = pairs[j - 1];
		pairs[j] = p;
	}
}

/*
 * learn_set_text
 *		Sets a value slot to a string that outlives it.
 */
static void
learn_set_text(JsonbValue *v, const char *s)
{
	v->type = jbvString;
	v->val.string.val = (char *) s;
	v->val.string.len = strlen(s);
}

/*
 * learn_set_decimal
 *		Sets a value slot to x rounded to four decimals.
 */
static void
learn_set_decimal(JsonbValue *v, double x)
{
	v->type = jbvNumeric;
	v->val.numeric = int64_div_fast_to_numeric((int64) rint(x * 10000.0), 4);
}

/*
 * learn_set_edge
 *		Sets a value slot to edge k of a number attribute (its shortest
 *		exact text as a number), or JSON null when there is none (an open
 *		end of the first or last range).
 */
static void
learn_set_edge(JsonbValue *v, const LfNumeric *num, int k)
{
	if (num == NULL || k < 0 || k >= num->nedges ||
		isnan(num->edges[k]) || isinf(num->edges[k]))
	{
		v->type = jbvNull;
		return;
	}
	v->type = jbvNumeric;
	v->val.numeric =
		DatumGetNumeric(DirectFunctionCall1(float8_numeric,
											Float8GetDatum(num->edges[k])));
}

/*
 * learn_factor_object
 *		Builds, once per model, the explanation object of feature f: its
 *		kind, the attribute it reads, its value (or for a range the edges
 *		"from" and "to", null at an open end) and its signed weight.
 */
static void
learn_factor_object(LfModel *m, int f)
{
	const LfFeature *feat = &m->features[f];
	JsonbValue *obj = &m->factors[f];

	learn_object(obj);
	learn_set_text(learn_add(obj, "factor"), feat->kind);
	if (feat->name[0] != '\0')
		learn_set_text(learn_add(obj, "attribute"), feat->name);
	if (strcmp(feat->kind, LF_FEATURE_RANGE) == 0)
	{
		const LfNumeric *num = NULL;
		int			bin = atoi(feat->value);
		int			i;

		for (i = 0; i < m->nnumeric && num == NULL; i++)
			if (strcmp(m->numeric[i].name, feat->name) == 0)
				num = &m->numeric[i];
		learn_set_edge(learn_add(obj, "from"), num, bin - 1);
		learn_set_edge(learn_add(obj, "to"), num, bin);
	}
	else if (strcmp(feat->kind, LF_FEATURE_MISSING) != 0)
		learn_set_text(learn_add(obj, "value"), feat->value);
	learn_set_decimal(learn_add(obj, "weight"), feat->weight);
	learn_close(obj);
}

/*
 * leadflow_learn_model_build
 *		A model ready to score, in a new memory context under parent, from
 *		its features (kind, name, value, weight), intercept and number
 *		attributes (name and edges; their range and missing features are
 *		found among the features).  Everything is copied, and the
 *		explanation object of every feature is built once here.
 */
LfModel *
leadflow_learn_model_build(MemoryContext parent, int nfeatures,
						   LfFeature *features, double intercept,
						   int nnumeric, LfNumeric *numeric)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "leadflow model",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LfModel    *m = palloc0(sizeof(LfModel));
	HASHCTL		ctl;
	int			i;
	int			len;

	m->context = cxt;
	m->intercept = intercept;
	m->nfeatures = nfeatures;
	m->features = palloc(sizeof(LfFeature) * Max(nfeatures, 1));
	m->factors = palloc(sizeof(JsonbValue) * Max(nfeatures, 1));
	m->nnumeric = nnumeric;
	m->numeric = palloc(sizeof(LfNumeric) * Max(nnumeric, 1));

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(LearnKey);
	ctl.entrysize = sizeof(LearnEntry);
	ctl.hash = learn_key_hash;
	ctl.match = learn_key_match;
	ctl.hcxt = cxt;
	m->lookup = hash_create("leadflow model features",
							Max(nfeatures + nnumeric, 16), &ctl,
							HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
							HASH_CONTEXT);

	for (i = 0; i < nnumeric; i++)
	{
		LfNumeric  *num = &m->numeric[i];
		char	   *token;

		num->name = pstrdup(numeric[i].name);
		num->nedges = numeric[i].nedges;
		num->edges = palloc(sizeof(double) * Max(num->nedges, 1));
		memcpy(num->edges, numeric[i].edges, sizeof(double) * num->nedges);
		num->range_feature = palloc(sizeof(int) * (num->nedges + 1));
		memset(num->range_feature, -1, sizeof(int) * (num->nedges + 1));
		num->missing_feature = -1;
		token = learn_token_copy(LF_FEATURE_RANGE, num->name, "", &len);
		learn_lookup_enter(m->lookup, token, len)->numeric = i;
	}

	for (i = 0; i < nfeatures; i++)
	{
		LfFeature  *f = &m->features[i];
		char	   *token;

		f->kind = pstrdup(features[i].kind);
		f->name = pstrdup(features[i].name);
		f->value = pstrdup(features[i].value);
		f->weight = features[i].weight;
		learn_factor_object(m, i);
		if (strcmp(f->kind, LF_FEATURE_RANGE) == 0 ||
			strcmp(f->kind, LF_FEATURE_MISSING) == 0)
		{
			learn_link_numeric(m, i);
			continue;
		}
		token = learn_token_copy(f->kind, f->name, f->value, &len);
		learn_lookup_enter(m->lookup, token, len)->feature = i;
	}

	MemoryContextSwitchTo(old);
	return m;
}

/*
 * learn_take
 *		Adds feature f to a scoring in progress.
 */
static void
learn_take(LfScorer *s, int f)
{
	s->z += s->model->features[f].weight;
	s->active[s->nactive++] = f;
}

/*
 * leadflow_learn_scorer_begin
 *		Starts scoring a lead with a model: the log-odds start at the
 *		intercept.  Allocates in the current context.
 */
void
leadflow_learn_scorer_begin(LfScorer *s, const LfModel *model)
{
	s->model = model;
	s->z = model->intercept;
	s->active = palloc(sizeof(int) * Max(model->nfeatures, 1));
	s->nactive = 0;
	s->seen = palloc0(sizeof(bool) * Max(model->nnumeric, 1));
}

/*
 * leadflow_learn_scorer_token
 *		Adds the feature of a category token, if the model has one.
 */
void
leadflow_learn_scorer_token(LfScorer *s, const char *token, int len)
{
	LearnEntry *e = learn_find(s->model, token, len);

	if (e != NULL && e->feature >= 0)
		learn_take(s, e->feature);
}

/*
 * leadflow_learn_scorer_numeric
 *		The model's number attribute of a "range" token, or -1.
 */
int
leadflow_learn_scorer_numeric(LfScorer *s, const char *token, int len)
{
	LearnEntry *e = learn_find(s->model, token, len);

	return e != NULL ? e->numeric : -1;
}

/*
 * leadflow_learn_scorer_range
 *		Adds the feature of the range value falls in, of number attribute
 *		k of the model (once per attribute).
 */
void
leadflow_learn_scorer_range(LfScorer *s, int k, double value)
{
	const LfNumeric *num = &s->model->numeric[k];
	int			f;

	if (s->seen[k])
		return;
	s->seen[k] = true;
	f = num->range_feature[leadflow_learn_bin(num->edges, num->nedges,
											  value)];
	if (f >= 0)
		learn_take(s, f);
}

/*
 * leadflow_learn_scorer_end
 *		Adds the missing feature of every number attribute the lead did
 *		not have, and returns the log-odds.
 */
double
leadflow_learn_scorer_end(LfScorer *s)
{
	int			k;

	for (k = 0; k < s->model->nnumeric; k++)
		if (!s->seen[k] && s->model->numeric[k].missing_feature >= 0)
			learn_take(s, s->model->numeric[k].missing_feature);
	return s->z;
}

/*
 * learn_score_token
 *		LfTokenCallback of the write-time scoring: a token goes straight to
 *		the scorer; a number is converted only when the model reads it.
 */
static void
learn_score_token(void *arg, const char *token, int len, Numeric number)
{
	LfScorer   *s = (LfScorer *) arg;
	int			k;

	if (number == NULL)
	{
		leadflow_learn_scorer_token(s, token, len);
		return;
	}
	k = leadflow_learn_scorer_numeric(s, token, len);
	if (k >= 0)
		leadflow_learn_scorer_range(s, k, leadflow_learn_number(number));
}

/*
 * learn_array
 *		Deconstructs column col of the SPI row as an array of elemtype;
 *		a NULL column gives no elements.
 */
static int
learn_array(HeapTuple row, TupleDesc desc, int col, Oid elemtype,
			Datum **elems)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, col, &isnull);
	bool	   *nulls;
	int			n;
	int16		typlen;
	bool		byval;
	char		align;

	*elems = NULL;
	if (isnull)
		return 0;
	get_typlenbyvalalign(elemtype, &typlen, &byval, &align);
	deconstruct_array(DatumGetArrayTypeP(d), elemtype, typlen, byval, align,
					  elems, &nulls, &n);
	return n;
}

/*
 * learn_model_from_row
 *		Builds the model of the SPI row (columns of LEARN_LOAD_QUERY) under
 *		CacheMemoryContext.  Arrays of different lengths are an error.
 */
static LfModel *
learn_model_from_row(HeapTuple row, TupleDesc desc)
{
	Datum	   *kind;
	Datum	   *name;
	Datum	   *value;
	Datum	   *weight;
	Datum	   *battr;
	Datum	   *bcount;
	Datum	   *bedges;
	int			n;
	int			nb;
	int			ne;
	int			i;
	int			at = 0;
	bool		isnull;
	LfFeature  *features;
	LfNumeric  *numeric;
	LfModel    *m;

	n = learn_array(row, desc, 3, TEXTOID, &kind);
	if (learn_array(row, desc, 4, TEXTOID, &name) != n ||
		learn_array(row, desc, 5, TEXTOID, &value) != n ||
		learn_array(row, desc, 6, FLOAT8OID, &weight) != n)
		elog(ERROR, "leadflow.score_model: feature arrays differ in length");
	nb = learn_array(row, desc, 7, TEXTOID, &battr);
	if (learn_array(row, desc, 8, INT4OID, &bcount) != nb)
		elog(ERROR, "leadflow.score_model: bin arrays differ in length");
	ne = learn_array(row, desc, 9, FLOAT8OID, &bedges);

	features = palloc(sizeof(LfFeature) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		features[i].kind = TextDatumGetCString(kind[i]);
		features[i].name = TextDatumGetCString(name[i]);
		features[i].value = TextDatumGetCString(value[i]);
		features[i].weight = DatumGetFloat8(weight[i]);
	}
	numeric = palloc(sizeof(LfNumeric) * Max(nb, 1));
	for (i = 0; i < nb; i++)
	{
		int			k;

		numeric[i].name = TextDatumGetCString(battr[i]);
		numeric[i].nedges = DatumGetInt32(bcount[i]);
		if (numeric[i].nedges < 0 || at + numeric[i].nedges > ne)
			elog(ERROR, "leadflow.score_model: bin edges do not add up");
		numeric[i].edges = palloc(sizeof(double) *
								  Max(numeric[i].nedges, 1));
		for (k = 0; k < numeric[i].nedges; k++)
			numeric[i].edges[k] = DatumGetFloat8(bedges[at++]);
	}

	m = leadflow_learn_model_build(CacheMemoryContext, n, features,
								   DatumGetFloat8(SPI_getbinval(row, desc, 2,
																&isnull)),
								   nb, numeric);
	m->version = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
	return m;
}

/*
 * learn_load
 *		Replaces the cached model with the newest row of score_model (or
 *		none).  Needs a transaction.
 */
static void
learn_load(void)
{
	LeadflowSavedUser saved;
	Oid			relid = leadflow_table("score_model");
	LfModel    *m = NULL;
	int			rc;

	learn_valid = true;
	leadflow_cache_watch("score_model", &learn_valid);

	leadflow_become_owner(relid, &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (learn_load_plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(LEARN_LOAD_QUERY, 0, NULL);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the model query");
		learn_load_plan = plan;
	}
	rc = SPI_execute_snapshot(learn_load_plan, NULL, NULL,
							  GetLatestSnapshot(), InvalidSnapshot,
							  true, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "model query failed: %s", SPI_result_code_string(rc));
	if (SPI_processed > 0)
		m = learn_model_from_row(SPI_tuptable->vals[0],
								 SPI_tuptable->tupdesc);
	SPI_finish();
	leadflow_restore_user(&saved);

	if (learn_current != NULL)
		MemoryContextDelete(learn_current->context);
	learn_current = m;
}

/*
 * learn_model_ready
 *		The current model, loading it when the cache is stale, or NULL
 *		when no model has been trained.  Needs a transaction.
 */
static const LfModel *
learn_model_ready(void)
{
	if (!learn_valid)
	{
		/* A failed load must not leave a freed model behind. */
		if (learn_current != NULL)
		{
			MemoryContextDelete(learn_current->context);
			learn_current = NULL;
		}
		learn_load();
	}
	return learn_current;
}

/*
 * leadflow_learn_current_version
 *		The version of the current model, or 0 when there is none.
 */
int64
leadflow_learn_current_version(void)
{
	const LfModel *m = learn_model_ready();

	return m ? m->version : 0;
}

/*
 * learn_explain
 *		The explanation of a learned score: the model, the probability,
 *		the intercept and log-odds, the LEARN_EXPLAIN_FACTORS features with
 *		the largest weights in absolute value (largest first, each with its
 *		signed weight), and the summed weight of the others.  The factor
 *		objects were built with the model; active is reordered.
 */
static Jsonb *
learn_explain(const LfModel *m, int score, double p, double z,
			  int *active, int nactive)
{
	JsonbValue	root;
	JsonbValue *v;
	JsonbValue *factors;
	double		rest = 0.0;
	int			shown = Min(nactive, LEARN_EXPLAIN_FACTORS);
	int			i;
	int			j;

	/* Selection of the largest |weight| first; ties by feature order. */
	for (i = 0; i < shown; i++)
	{
		int			best = i;

		for (j = i + 1; j < nactive; j++)
		{
			double		a = fabs(m->features[active[j]].weight);
			double		b = fabs(m->features[active[best]].weight);

			if (a > b || (a == b && active[j] < active[best]))
				best = j;
		}
		j = active[i];
		active[i] = active[best];
		active[best] = j;
	}
	for (i = shown; i < nactive; i++)
		rest += m->features[active[i]].weight;

	learn_object(&root);
	learn_set_text(learn_add(&root, "model"), "learned");
	v = learn_add(&root, "version");
	v->type = jbvNumeric;
	v->val.numeric = int64_to_numeric(m->version);
	v = learn_add(&root, "score");
	v->type = jbvNumeric;
	v->val.numeric = int64_to_numeric(score);
	learn_set_decimal(learn_add(&root, "probability"), p);
	learn_set_decimal(learn_add(&root, "intercept"), m->intercept);
	learn_set_decimal(learn_add(&root, "log_odds"), z);
	learn_set_decimal(learn_add(&root, "other_weight"), rest);
	factors = learn_add(&root, "factors");
	factors->type = jbvArray;
	factors->val.array.rawScalar = false;
	factors->val.array.nElems = shown;
	factors->val.array.elems = palloc(sizeof(JsonbValue) * Max(shown, 1));
	for (i = 0; i < shown; i++)
		factors->val.array.elems[i] = m->factors[active[i]];
	learn_close(&root);
	return JsonbValueToJsonb(&root);
}

/*
 * leadflow_learn_score_lead
 *		Scores a lead with the current model.  Returns false when there is
 *		no model (score v1 applies then); otherwise sets *score (0..100),
 *		*version and, when explanation is not NULL, *explanation (palloc'd
 *		in the current context).  Needs a transaction; reads the model
 *		table only when the cache is stale.
 */
bool
leadflow_learn_score_lead(const LeadflowScoreInput *in, int16 *score,
						  Jsonb **explanation, int64 *version)
{
	const LfModel *m = learn_model_ready();
	LfScorer	s;
	double		z;
	double		p;

	if (m == NULL)
		return false;
	leadflow_learn_scorer_begin(&s, m);
	leadflow_learn_each_token(in, learn_score_token, &s);
	z = leadflow_learn_scorer_end(&s);
	p = leadflow_learn_sigmoid(z);
	*score = (int16) leadflow_learn_score(p);
	*version = m->version;
	if (explanation != NULL)
		*explanation = learn_explain(m, *score, p, z, s.active, s.nactive);
	return true;
}

/*
 * leadflow_score_learned_sql
 *		SQL: leadflow.score_learned(channel, campaign_id, phone_valid,
 *		email_valid, duplicate, attributes, OUT model_version bigint, OUT
 *		score smallint, OUT explanation jsonb).  The arguments read as in
 *		leadflow.score_v1(); every output is NULL when no model exists.
 */
Datum
leadflow_score_learned_sql(PG_FUNCTION_ARGS)
{
	LeadflowScoreInput in;
	Jsonb	   *explanation;
	Datum		values[3];
	bool		nulls[3] = {true, true, true};
	TupleDesc	desc = leadflow_score_result_desc(fcinfo);
	int16		score;
	int64		version;

	leadflow_score_input_from_args(fcinfo, &in);

	if (leadflow_learn_score_lead(&in, &score, &explanation, &version))
	{
		values[0] = Int64GetDatum(version);
		values[1] = Int16GetDatum(score);
		values[2] = JsonbPGetDatum(explanation);
		nulls[0] = nulls[1] = nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
