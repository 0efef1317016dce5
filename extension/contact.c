/*-------------------------------------------------------------------------
 *
 * extension/contact.c
 *		SQL functions leadflow.normalize_phone and leadflow.normalize_email
 *		over the pure phone and e-mail modules.
 *
 * The pure modules work on UTF-8: input is converted from the server
 * encoding first (a no-op in UTF-8 and SQL_ASCII databases) and e-mail
 * results are converted back.  The phone module never calls into the
 * server, so no server error can unwind through its C++ frames; every
 * error raised here happens before or after it runs.  No shared state;
 * the default region comes from the "leadflow.default_region" setting.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "contact.h"
#include "email.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(leadflow_normalize_phone);
PG_FUNCTION_INFO_V1(leadflow_normalize_email);

/* Both SQL functions return four columns. */
#define CONTACT_NATTS 4

/*
 * contact_text_or_null
 *		Sets *value to a text datum holding the UTF-8 string s converted to
 *		the server encoding, or *isnull when s is NULL or empty.
 */
static void
contact_text_or_null(const char *s, Datum *value, bool *isnull)
{
	char	   *server;
	size_t		len;

	if (s == NULL || s[0] == '\0')
	{
		*value = (Datum) 0;
		*isnull = true;
		return;
	}
	len = strlen(s);
	server = pg_any_to_server(s, (int) len, PG_UTF8);
	*value = PointerGetDatum(cstring_to_text(server));
	*isnull = false;
}

/*
 * contact_result
 *		Forms the function's composite result from four column values.
 *		Raises ERROR when called in a context that does not expect a
 *		record, which the SQL declaration rules out.
 */
static Datum
contact_result(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != CONTACT_NATTS)
		elog(ERROR, "return type must have %d columns", CONTACT_NATTS);
	tupdesc = BlessTupleDesc(tupdesc);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * leadflow_contact_phone
 *		See contact.h.  Needs a transaction only for the error it may raise;
 *		allocates in the current memory context.
 */
void
leadflow_contact_phone(const char *raw, size_t len, const char *region,
					   LeadflowPhone *out)
{
	const char *utf8;

	if (region == NULL)
		region = leadflow_default_region;
	else if (!leadflow_phone_region_supported(region))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized phone number region \"%s\"", region),
				 errhint("Use a two-letter ISO 3166-1 region code such as \"VN\" or \"US\".")));

	/* Inputs the phone module refuses as too long need no conversion. */
	utf8 = raw;
	if (len > 0 && len <= LEADFLOW_PHONE_MAX_INPUT)
		utf8 = (const char *) pg_server_to_any(raw, (int) len, PG_UTF8);
	if (utf8 != raw)
		len = strlen(utf8);
	leadflow_phone_normalize(utf8, len, region, out);
}

/*
 * leadflow_normalize_phone
 *		SQL: leadflow.normalize_phone(raw text, region text DEFAULT NULL,
 *		OUT phone text, OUT valid boolean, OUT number_type text,
 *		OUT problem text).  A NULL raw gives a NULL row; a NULL region
 *		means the setting; an unsupported region raises ERROR.
 */
Datum
leadflow_normalize_phone(PG_FUNCTION_ARGS)
{
	text	   *raw;
	char	   *region = NULL;
	LeadflowPhone phone;
	Datum		values[CONTACT_NATTS];
	bool		nulls[CONTACT_NATTS];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	raw = PG_GETARG_TEXT_PP(0);
	if (!PG_ARGISNULL(1))
		region = text_to_cstring(PG_GETARG_TEXT_PP(1));

	leadflow_contact_phone(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), region,
						   &phone);

	contact_text_or_null(phone.parsed ? phone.e164 : NULL,
						 &values[0], &nulls[0]);
	values[1] = BoolGetDatum(phone.valid);
	nulls[1] = false;
	contact_text_or_null(phone.number_type, &values[2], &nulls[2]);
	contact_text_or_null(phone.problem, &values[3], &nulls[3]);
	PG_RETURN_DATUM(contact_result(fcinfo, values, nulls));
}

/*
 * leadflow_normalize_email
 *		SQL: leadflow.normalize_email(raw text, OUT email text,
 *		OUT valid boolean, OUT match_key text, OUT problem text), STRICT.
 *		email is the trimmed address (NULL when nothing is left), match_key
 *		is NULL when the address is not valid.
 */
Datum
leadflow_normalize_email(PG_FUNCTION_ARGS)
{
	text	   *raw = PG_GETARG_TEXT_PP(0);
	const char *utf8 = VARDATA_ANY(raw);
	size_t		len = VARSIZE_ANY_EXHDR(raw);
	char	   *email;
	char	   *key;
	const char *problem;
	bool		valid;
	Datum		values[CONTACT_NATTS];
	bool		nulls[CONTACT_NATTS];

	if (len > 0)
	{
		const char *converted;

		converted = (const char *) pg_server_to_any(utf8, (int) len, PG_UTF8);
		if (converted != utf8)
			len = strlen(converted);
		utf8 = converted;
	}
	email = palloc(len + 1);
	key = palloc(len + 1);
	valid = leadflow_email_normalize(utf8, len, email, key, &problem);

	contact_text_or_null(email, &values[0], &nulls[0]);
	values[1] = BoolGetDatum(valid);
	nulls[1] = false;
	contact_text_or_null(key, &values[2], &nulls[2]);
	contact_text_or_null(problem, &values[3], &nulls[3]);
	PG_RETURN_DATUM(contact_result(fcinfo, values, nulls));
}
