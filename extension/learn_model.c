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

/*
 * leadflow_learn_token
 *		A token "kind\x1fname\x1fvalue" palloc'd in the current memory
 *		context; *len receives its length (no terminator counted).
 */
char *
leadflow_learn_token(const char *kind, const char *name, int name_len,
					 const char *value, int value_len, int *len)
{
	int			kind_len = strlen(kind);
	int			n = kind_len + name_len + value_len + 2;
	char	   *t = palloc(n + 1);

	memcpy(t, kind, kind_len);
	t[kind_len] = LEARN_TOKEN_SEP;
	memcpy(t + kind_len + 1, name, name_len);
	t[kind_len + 1 + name_len] = LEARN_TOKEN_SEP;
	memcpy(t + kind_len + 2 + name_len, value, value_len);
	t[n] = '\0';
	*len = n;
	return t;
}

/*
 * learn_add_token
 *		Appends a category token to out.
 */
static void
learn_add_token(LfLeadTokens *out, const char *kind, const char *name,
				int name_len, const char *value, int value_len)
{
	int			i = out->ntokens++;

	out->token[i] = leadflow_learn_token(kind, name, name_len, value,
										 value_len, &out->token_len[i]);
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
 * learn_attribute
 *		Adds the token of one attribute pair: a string or boolean as a
 *		category, a finite number as a number.  Nulls, arrays, objects and
 *		over-long keys or strings give nothing.
 */
static void
learn_attribute(LfLeadTokens *out, const JsonbValue *key,
				const JsonbValue *value)
{
	const char *name = key->val.string.val;
	int			name_len = key->val.string.len;

	if (name_len > LF_TOKEN_PART_MAX ||
		memchr(name, LEARN_TOKEN_SEP, name_len) != NULL)
		return;
	switch (value->type)
	{
		case jbvString:
			if (value->val.string.len <= LF_TOKEN_PART_MAX &&
				memchr(value->val.string.val, LEARN_TOKEN_SEP,
					   value->val.string.len) == NULL)
				learn_add_token(out, LF_FEATURE_ATTRIBUTE, name, name_len,
								value->val.string.val,
								value->val.string.len);
			break;
		case jbvBool:
			learn_add_token(out, LF_FEATURE_ATTRIBUTE, name, name_len,
							value->val.boolean ? "true" : "false",
							value->val.boolean ? 4 : 5);
			break;
		case jbvNumeric:
			{
				double		d;
				int			i;

				if (numeric_is_nan(value->val.numeric) ||
					numeric_is_inf(value->val.numeric))
					break;
				d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
													   NumericGetDatum(value->val.numeric)));
				i = out->nnumbers++;
				out->number_name[i] =
					leadflow_learn_token(LF_FEATURE_RANGE, name, name_len,
										 "", 0, &out->number_name_len[i]);
				out->number[i] = d;
				break;
			}
		default:
			break;
	}
}

/*
 * leadflow_learn_tokens
 *		Takes a lead apart into the tokens the model reads: channel,
 *		campaign, phone, e-mail, duplicate, then one per top-level
 *		attribute (numbers apart, by their "range" token with an empty
 *		value).  in->attributes may be NULL or any jsonb; only an object
 *		has attributes.  Arrays are palloc'd in the current context.
 */
void
leadflow_learn_tokens(const LeadflowScoreInput *in, LfLeadTokens *out)
{
	int			npairs = 0;
	char		campaign[16];
	const char *word;

	if (in->attributes != NULL && JB_ROOT_IS_OBJECT(in->attributes))
		npairs = JB_ROOT_COUNT(in->attributes);
	out->ntokens = 0;
	out->nnumbers = 0;
	out->token = palloc(sizeof(char *) * (5 + npairs));
	out->token_len = palloc(sizeof(int) * (5 + npairs));
	out->number_name = palloc(sizeof(char *) * Max(npairs, 1));
	out->number_name_len = palloc(sizeof(int) * Max(npairs, 1));
	out->number = palloc(sizeof(double) * Max(npairs, 1));

	if (in->channel != NULL && strlen(in->channel) <= LF_TOKEN_PART_MAX &&
		strchr(in->channel, LEARN_TOKEN_SEP) == NULL)
		learn_add_token(out, LF_FEATURE_CHANNEL, "", 0, in->channel,
						strlen(in->channel));
	if (in->campaign_id != 0)
	{
		snprintf(campaign, sizeof(campaign), "%d", in->campaign_id);
		learn_add_token(out, LF_FEATURE_CAMPAIGN, "", 0, campaign,
						strlen(campaign));
	}
	word = learn_contact_word(in->has_phone, in->phone_valid);
	learn_add_token(out, LF_FEATURE_PHONE, "", 0, word, strlen(word));
	word = learn_contact_word(in->has_email, in->email_valid);
	learn_add_token(out, LF_FEATURE_EMAIL, "", 0, word, strlen(word));
	learn_add_token(out, LF_FEATURE_DUPLICATE, "", 0,
					in->duplicate ? "yes" : "no", in->duplicate ? 3 : 2);

	if (npairs > 0)
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
				learn_attribute(out, &key, &value);
		}
	}
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
	LearnKey	key;
	LfNumeric  *num;

	token = leadflow_learn_token(LF_FEATURE_RANGE, feat->name,
								 strlen(feat->name), "", 0, &len);
	key.s = token;
	key.len = len;
	e = hash_search(m->lookup, &key, HASH_FIND, NULL);
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

/*
 * leadflow_learn_model_build
 *		A model ready to score, in a new memory context under parent, from
 *		its features (kind, name, value, weight), intercept and number
 *		attributes (name and edges; their range and missing features are
 *		found among the features).  Everything is copied.
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
		token = leadflow_learn_token(LF_FEATURE_RANGE, num->name,
									 strlen(num->name), "", 0, &len);
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
		if (strcmp(f->kind, LF_FEATURE_RANGE) == 0 ||
			strcmp(f->kind, LF_FEATURE_MISSING) == 0)
		{
			learn_link_numeric(m, i);
			continue;
		}
		token = leadflow_learn_token(f->kind, f->name, strlen(f->name),
									 f->value, strlen(f->value), &len);
		learn_lookup_enter(m->lookup, token, len)->feature = i;
	}

	MemoryContextSwitchTo(old);
	return m;
}

/*
 * leadflow_learn_logit
 *		The model's log-odds for a lead's tokens.  When active is not
 *		NULL it receives the features that took part (room for ntokens +
 *		nnumbers + the model's nnumeric entries), their count in *nactive.
 */
double
leadflow_learn_logit(const LfModel *model, const LfLeadTokens *tokens,
					 int *active, int *nactive)
{
	double		z = model->intercept;
	bool		seen_local[64];
	bool	   *seen = seen_local;
	int			n = 0;
	int			i;

	if (model->nnumeric > lengthof(seen_local))
		seen = palloc(sizeof(bool) * model->nnumeric);
	memset(seen, 0, sizeof(bool) * model->nnumeric);

	for (i = 0; i < tokens->ntokens + tokens->nnumbers; i++)
	{
		bool		is_number = i >= tokens->ntokens;
		int			j = is_number ? i - tokens->ntokens : i;
		LearnKey	key;
		LearnEntry *e;
		int			f;

		key.s = is_number ? tokens->number_name[j] : tokens->token[j];
		key.len = is_number ? tokens->number_name_len[j] :
			tokens->token_len[j];
		e = hash_search(model->lookup, &key, HASH_FIND, NULL);
		if (e == NULL)
			continue;
		if (!is_number || e->numeric < 0)
			f = is_number ? -1 : e->feature;
		else
		{
			const LfNumeric *num = &model->numeric[e->numeric];

			seen[e->numeric] = true;
			f = num->range_feature[leadflow_learn_bin(num->edges,
													  num->nedges,
													  tokens->number[j])];
		}
		if (f < 0)
			continue;
		z += model->features[f].weight;
		if (active)
			active[n++] = f;
	}

	/* A number attribute the lead lacks counts as missing. */
	for (i = 0; i < model->nnumeric; i++)
	{
		int			f = model->numeric[i].missing_feature;

		if (seen[i] || f < 0)
			continue;
		z += model->features[f].weight;
		if (active)
			active[n++] = f;
	}
	if (nactive)
		*nactive = n;
	if (seen != seen_local)
		pfree(seen);
	return z;
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
 * learn_set_decimal
 *		Sets a jsonb value to x rounded to four decimals.
 */
static void
learn_set_decimal(JsonbValue *v, double x)
{
	v->type = jbvNumeric;
	v->val.numeric = int64_div_fast_to_numeric((int64) rint(x * 10000.0), 4);
}

/*
 * learn_push_key
 *		Pushes an object key (a string constant or one that outlives the
 *		push).
 */
static void
learn_push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(st, WJB_KEY, &k);
}

/*
 * learn_push_text
 *		Pushes a string value, or JSON null for NULL.
 */
static void
learn_push_text(JsonbParseState **st, const char *s)
{
	JsonbValue	v;

	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = strlen(s);
	}
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * learn_push_number
 *		Pushes a float8 as a JSON number (its shortest exact text), or
 *		JSON null when it is not finite.
 */
static void
learn_push_number(JsonbParseState **st, double x, bool present)
{
	JsonbValue	v;

	if (!present || isnan(x) || isinf(x))
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = DatumGetNumeric(DirectFunctionCall1(float8_numeric,
															Float8GetDatum(x)));
	}
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * learn_push_decimal
 *		Pushes a key with a four-decimal value.
 */
static void
learn_push_decimal(JsonbParseState **st, const char *key, double x)
{
	JsonbValue	v;

	learn_push_key(st, key);
	learn_set_decimal(&v, x);
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * learn_push_factor
 *		Pushes the object of one feature: what it is and its weight.
 */
static void
learn_push_factor(JsonbParseState **st, const LfModel *m, int f)
{
	const LfFeature *feat = &m->features[f];

	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	learn_push_key(st, "factor");
	learn_push_text(st, feat->kind);
	if (feat->name[0] != '\0')
	{
		learn_push_key(st, "attribute");
		learn_push_text(st, feat->name);
	}
	if (strcmp(feat->kind, LF_FEATURE_RANGE) == 0)
	{
		int			bin = atoi(feat->value);
		const LfNumeric *num = NULL;
		int			i;

		for (i = 0; i < m->nnumeric && num == NULL; i++)
			if (strcmp(m->numeric[i].name, feat->name) == 0)
				num = &m->numeric[i];
		learn_push_key(st, "from");
		learn_push_number(st, num && bin > 0 ? num->edges[bin - 1] : 0,
						  num && bin > 0);
		learn_push_key(st, "to");
		learn_push_number(st, num && bin < num->nedges ? num->edges[bin] : 0,
						  num && bin < num->nedges);
	}
	else if (strcmp(feat->kind, LF_FEATURE_MISSING) != 0)
	{
		learn_push_key(st, "value");
		learn_push_text(st, feat->value);
	}
	learn_push_decimal(st, "weight", feat->weight);
	pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * learn_explain
 *		The explanation of a learned score: the model, the probability,
 *		the intercept and log-odds, the LEARN_EXPLAIN_FACTORS features with
 *		the largest weights in absolute value (largest first, each with its
 *		signed weight), and the summed weight of the others.  active is
 *		reordered.
 */
static Jsonb *
learn_explain(const LfModel *m, int score, double p, double z,
			  int *active, int nactive)
{
	JsonbParseState *st = NULL;
	JsonbValue	v;
	JsonbValue *res;
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

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	learn_push_key(&st, "model");
	learn_push_text(&st, "learned");
	learn_push_key(&st, "version");
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(m->version);
	pushJsonbValue(&st, WJB_VALUE, &v);
	learn_push_key(&st, "score");
	v.val.numeric = int64_to_numeric(score);
	pushJsonbValue(&st, WJB_VALUE, &v);
	learn_push_decimal(&st, "probability", p);
	learn_push_decimal(&st, "intercept", m->intercept);
	learn_push_decimal(&st, "log_odds", z);
	learn_push_decimal(&st, "other_weight", rest);
	learn_push_key(&st, "factors");
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < shown; i++)
		learn_push_factor(&st, m, active[i]);
	pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
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
	LfLeadTokens tokens;
	int		   *active;
	int			nactive;
	double		z;
	double		p;

	if (m == NULL)
		return false;
	leadflow_learn_tokens(in, &tokens);
	active = palloc(sizeof(int) * (tokens.ntokens + tokens.nnumbers +
								   m->nnumeric + 1));
	z = leadflow_learn_logit(m, &tokens, active, &nactive);
	p = leadflow_learn_sigmoid(z);
	*score = (int16) leadflow_learn_score(p);
	*version = m->version;
	if (explanation != NULL)
		*explanation = learn_explain(m, *score, p, z, active, nactive);
	return true;
}

/*
 * learn_result_desc
 *		The blessed descriptor of score_learned's result row, kept in
 *		fn_extra.
 */
static TupleDesc
learn_result_desc(FunctionCallInfo fcinfo)
{
	TupleDesc	desc;
	MemoryContext old;

	if (fcinfo->flinfo->fn_extra != NULL)
		return (TupleDesc) fcinfo->flinfo->fn_extra;
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "score_learned is not declared to return a row");
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	desc = BlessTupleDesc(CreateTupleDescCopy(desc));
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = desc;
	return desc;
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
	TupleDesc	desc = learn_result_desc(fcinfo);
	int16		score;
	int64		version;

	in.channel = PG_ARGISNULL(0) ? NULL :
		text_to_cstring(PG_GETARG_TEXT_PP(0));
	in.campaign_id = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	in.has_phone = !PG_ARGISNULL(2);
	in.phone_valid = in.has_phone && PG_GETARG_BOOL(2);
	in.has_email = !PG_ARGISNULL(3);
	in.email_valid = in.has_email && PG_GETARG_BOOL(3);
	in.duplicate = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	in.attributes = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);

	if (leadflow_learn_score_lead(&in, &score, &explanation, &version))
	{
		values[0] = Int64GetDatum(version);
		values[1] = Int16GetDatum(score);
		values[2] = JsonbPGetDatum(explanation);
		nulls[0] = nulls[1] = nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
