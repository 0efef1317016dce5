/*-------------------------------------------------------------------------
 *
 * extension/lead_trigger.c
 *		leadflow.lead_before(): the BEFORE INSERT OR UPDATE row trigger of
 *		leadflow.lead.
 *
 * It fills, in the writing transaction, everything leadflow derives from
 * what the application gave: normalised and validated contacts, the
 * campaign looked up by name, the duplicate link, the score with its
 * explanation, the SLA policy and due time, assignment and stage entry
 * times, and the flags that say what was wrong with the input.  Bad input
 * is stored and flagged, never rejected: the raw values stay beside the
 * normalised ones.
 *
 * Events and close counts are written by the AFTER trigger (lead_event.c),
 * once the row is sure to exist.  Configuration comes from per-backend
 * caches (config_cache.c, calendar.c, score.c); nothing here is shared.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "calendar.h"
#include "config_cache.h"
#include "duplicate.h"
#include "email.h"
#include "lead_row.h"
#include "learn.h"
#include "phone.h"
#include "score.h"
#include "settings.h"
#include "stage.h"

PG_FUNCTION_INFO_V1(leadflow_lead_before);

/*
 * lead_blank
 *		Whether a given text is missing or only white space.
 */
static bool
lead_blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s; s++)
	{
		if (!isspace((unsigned char) *s))
			return false;
	}
	return true;
}

/*
 * lead_normalize_phone
 *		Fills phone, phone_valid and phone_type from phone_raw.  A number
 *		that cannot be read leaves phone NULL and phone_valid false.
 */
static void
lead_normalize_phone(LeadRow *row)
{
	char	   *raw = lead_get_text(row, LC_PHONE_RAW);
	LeadflowPhone phone;

	if (lead_blank(raw))
	{
		lead_set_null(row, LC_PHONE);
		lead_set_null(row, LC_PHONE_VALID);
		lead_set_null(row, LC_PHONE_TYPE);
		return;
	}

	leadflow_phone_normalize(raw, strlen(raw), leadflow_default_region,
							 &phone);
	lead_set_text(row, LC_PHONE, phone.parsed ? phone.e164 : NULL);
	lead_set(row, LC_PHONE_VALID, BoolGetDatum(phone.valid));
	lead_set_text(row, LC_PHONE_TYPE, phone.number_type);
}

/*
 * lead_normalize_email
 *		Fills email, email_valid and email_key from email_raw.  An invalid
 *		address is still kept, trimmed, with no matching key.
 */
static void
lead_normalize_email(LeadRow *row)
{
	char	   *raw = lead_get_text(row, LC_EMAIL_RAW);
	char	   *email;
	char	   *key;
	const char *problem;
	bool		valid;
	size_t		len;

	if (lead_blank(raw))
	{
		lead_set_null(row, LC_EMAIL);
		lead_set_null(row, LC_EMAIL_VALID);
		lead_set_null(row, LC_EMAIL_KEY);
		return;
	}

	len = strlen(raw);
	email = palloc(len + 1);
	key = palloc(len + 1);
	valid = leadflow_email_normalize(raw, len, email, key, &problem);
	lead_set_text(row, LC_EMAIL, email);
	lead_set(row, LC_EMAIL_VALID, BoolGetDatum(valid));
	lead_set_text(row, LC_EMAIL_KEY, valid && key[0] ? key : NULL);
}

/*
 * lead_resolve_campaign
 *		Looks the campaign up by name when only the name was given, and
 *		takes the channel from the campaign when none was given.  An
 *		unknown name leaves campaign_id NULL (and is flagged later).
 */
static void
lead_resolve_campaign(LeadRow *row)
{
	int32		campaign_id;
	char	   *channel = NULL;

	if (lead_isnull(row, LC_CAMPAIGN_ID) &&
		!lead_isnull(row, LC_CAMPAIGN_NAME))
	{
		char	   *name = lead_get_text(row, LC_CAMPAIGN_NAME);

		if (leadflow_campaign_lookup(name, &campaign_id, &channel))
			lead_set(row, LC_CAMPAIGN_ID, Int32GetDatum(campaign_id));
	}
	else if (!lead_isnull(row, LC_CAMPAIGN_ID))
		channel = (char *) leadflow_campaign_channel(
					DatumGetInt32(lead_get(row, LC_CAMPAIGN_ID)));

	if (lead_isnull(row, LC_CHANNEL) && channel != NULL)
		lead_set_text(row, LC_CHANNEL, channel);
}

/*
 * lead_find_duplicate
 *		Links the lead to the root of the earliest earlier lead with the
 *		same contact, or clears the link.  Returns the arrival the SLA
 *		clock runs from: the root's, or the lead's own.
 */
static TimestampTz
lead_find_duplicate(LeadRow *row)
{
	TimestampTz received_at = DatumGetTimestampTz(lead_get(row,
														   LC_RECEIVED_AT));
	int64		root_id;
	TimestampTz root_arrival;

	if (leadflow_duplicate_find(DatumGetInt64(lead_get(row, LC_LEAD_ID)),
								received_at,
								lead_get_text(row, LC_PHONE),
								lead_get_text(row, LC_EMAIL_KEY),
								&root_id, &root_arrival))
	{
		lead_set(row, LC_DUPLICATE_OF, Int64GetDatum(root_id));
		return root_arrival;
	}
	lead_set_null(row, LC_DUPLICATE_OF);
	return received_at;
}

/*
 * lead_score
 *		Computes the score and its explanation from the row as it stands:
 *		with the current learned model when there is one (its version goes
 *		into score_model_version), else score v1 (score_model_version
 *		NULL).
 */
static void
lead_score(LeadRow *row)
{
	LeadflowScoreInput in;
	Jsonb	   *explanation;
	int16		score;
	int64		version;

	in.has_phone = !lead_isnull(row, LC_PHONE_RAW);
	in.phone_valid = !lead_isnull(row, LC_PHONE_VALID) &&
		DatumGetBool(lead_get(row, LC_PHONE_VALID));
	in.has_email = !lead_isnull(row, LC_EMAIL_RAW);
	in.email_valid = !lead_isnull(row, LC_EMAIL_VALID) &&
		DatumGetBool(lead_get(row, LC_EMAIL_VALID));
	in.duplicate = !lead_isnull(row, LC_DUPLICATE_OF);
	in.channel = lead_get_text(row, LC_CHANNEL);
	in.campaign_id = lead_isnull(row, LC_CAMPAIGN_ID) ? 0 :
		DatumGetInt32(lead_get(row, LC_CAMPAIGN_ID));
	in.attributes = DatumGetJsonbP(lead_get(row, LC_ATTRIBUTES));

	if (leadflow_learn_score_lead(&in, &score, &explanation, &version))
		lead_set(row, LC_SCORE_MODEL_VERSION, Int64GetDatum(version));
	else
	{
		score = leadflow_score_v1(&in, &explanation);
		lead_set_null(row, LC_SCORE_MODEL_VERSION);
	}
	lead_set(row, LC_SCORE, Int16GetDatum(score));
	lead_set(row, LC_SCORE_EXPLANATION, JsonbPGetDatum(explanation));
}

/*
 * lead_start_sla
 *		Picks the SLA policy (unless one was given) and sets the clock's
 *		start and due time.  No matching policy leaves all three NULL.
 */
static void
lead_start_sla(LeadRow *row, TimestampTz clock_start)
{
	const LeadflowPolicy *policy = NULL;
	const LeadflowCalendar *calendar;
	TimestampTz due;

	if (!lead_isnull(row, LC_POLICY_ID))
		policy = leadflow_policy_get(DatumGetInt32(lead_get(row,
															LC_POLICY_ID)));
	if (policy == NULL)
		policy = leadflow_policy_pick(lead_get_text(row, LC_CHANNEL),
									  lead_isnull(row, LC_CAMPAIGN_ID) ? 0 :
									  DatumGetInt32(lead_get(row,
															 LC_CAMPAIGN_ID)),
									  !lead_isnull(row, LC_SCORE),
									  lead_isnull(row, LC_SCORE) ? 0 :
									  DatumGetInt16(lead_get(row, LC_SCORE)));
	if (policy == NULL)
	{
		lead_set_null(row, LC_POLICY_ID);
		lead_set_null(row, LC_SLA_STARTED_AT);
		lead_set_null(row, LC_SLA_DUE_AT);
		return;
	}

	lead_set(row, LC_POLICY_ID, Int32GetDatum(policy->policy_id));
	lead_set(row, LC_SLA_STARTED_AT, TimestampTzGetDatum(clock_start));

	/*
	 * A policy whose calendar has no working hours cannot give a due time;
	 * the lead is stored without one and flagged, not refused.
	 */
	calendar = leadflow_calendar_get(policy->calendar_id);
	if (!leadflow_calendar_has_hours(calendar))
	{
		lead_set_null(row, LC_SLA_DUE_AT);
		return;
	}
	due = leadflow_calendar_add(calendar, clock_start, policy->allowance_s);
	lead_set(row, LC_SLA_DUE_AT, TimestampTzGetDatum(due));
}

/*
 * lead_flag
 *		Appends a flag to the list being built.
 */
static void
lead_flag(Datum *flags, int *nflags, const char *flag)
{
	flags[(*nflags)++] = CStringGetTextDatum(flag);
}

/*
 * lead_set_flags
 *		Recomputes the flags from the row: each says what was missing or
 *		wrong in what the application gave.  Derived from the final row on
 *		every write, so a corrected input clears its flag.
 */
static void
lead_set_flags(LeadRow *row)
{
	Datum		flags[9];
	int			nflags = 0;
	bool		phone_valid = !lead_isnull(row, LC_PHONE_VALID) &&
		DatumGetBool(lead_get(row, LC_PHONE_VALID));
	bool		email_valid = !lead_isnull(row, LC_EMAIL_VALID) &&
		DatumGetBool(lead_get(row, LC_EMAIL_VALID));
	TimestampTz received_at = DatumGetTimestampTz(lead_get(row,
														   LC_RECEIVED_AT));
	TimestampTz created_at = DatumGetTimestampTz(lead_get(row,
														  LC_CREATED_AT));

	if (!lead_isnull(row, LC_PHONE_VALID) && !phone_valid)
		lead_flag(flags, &nflags, "invalid_phone");
	if (!lead_isnull(row, LC_EMAIL_VALID) && !email_valid)
		lead_flag(flags, &nflags, "invalid_email");
	if (!phone_valid && !email_valid)
		lead_flag(flags, &nflags, "no_contact");
	if (lead_isnull(row, LC_CAMPAIGN_ID))
		lead_flag(flags, &nflags,
				  lead_isnull(row, LC_CAMPAIGN_NAME) ?
				  "no_campaign" : "unknown_campaign");
	if (lead_isnull(row, LC_REP_ID))
		lead_flag(flags, &nflags, "no_rep");
	if (received_at > created_at +
		(int64) leadflow_future_arrival_tolerance * USECS_PER_SEC)
		lead_flag(flags, &nflags, "future_arrival");
	if (!lead_isnull(row, LC_DUPLICATE_OF))
		lead_flag(flags, &nflags, "duplicate");
	if (!lead_isnull(row, LC_POLICY_ID) && lead_isnull(row, LC_SLA_DUE_AT))
		lead_flag(flags, &nflags, "no_sla_due");

	lead_set(row, LC_FLAGS,
			 PointerGetDatum(construct_array(flags, nflags, TEXTOID,
											 -1, false, TYPALIGN_INT)));
}

/*
 * lead_before_insert
 *		All write-time work for a new lead.
 */
static void
lead_before_insert(LeadRow *row)
{
	TimestampTz clock_start;

	lead_normalize_phone(row);
	lead_normalize_email(row);
	lead_resolve_campaign(row);
	clock_start = lead_find_duplicate(row);
	lead_score(row);
	lead_start_sla(row, clock_start);

	/* A rep given with the lead was assigned when it arrived. */
	if (!lead_isnull(row, LC_REP_ID) && lead_isnull(row, LC_ASSIGNED_AT))
		lead_set(row, LC_ASSIGNED_AT, lead_get(row, LC_RECEIVED_AT));

	leadflow_stage_enter(NULL, row);
}

/*
 * lead_before_update
 *		Redoes only the work whose inputs changed.  A closed lead keeps the
 *		score it closed with.  A writer that sets score_model_version (the
 *		worker's rescoring sets 0) asks for the score to be computed again
 *		with the current model.
 */
static void
lead_before_update(LeadRow *old_row, LeadRow *row)
{
	bool		contact_changed = false;
	bool		routing_changed = false;
	bool		closed;

	if (leadflow_lead_changed(old_row, row, LC_PHONE_RAW))
	{
		lead_normalize_phone(row);
		contact_changed = true;
	}
	if (leadflow_lead_changed(old_row, row, LC_EMAIL_RAW))
	{
		lead_normalize_email(row);
		contact_changed = true;
	}
	if (leadflow_lead_changed(old_row, row, LC_CAMPAIGN_ID) ||
		leadflow_lead_changed(old_row, row, LC_CAMPAIGN_NAME))
	{
		/* A new name is looked up again unless the writer set the id. */
		if (!leadflow_lead_changed(old_row, row, LC_CAMPAIGN_ID))
			lead_set_null(row, LC_CAMPAIGN_ID);
		lead_resolve_campaign(row);
		routing_changed = true;
	}
	routing_changed |= leadflow_lead_changed(old_row, row, LC_CHANNEL) ||
		leadflow_lead_changed(old_row, row, LC_RECEIVED_AT) ||
		leadflow_lead_changed(old_row, row, LC_POLICY_ID);

	/* A changed contact or arrival may make or break a duplicate link. */
	if (contact_changed || leadflow_lead_changed(old_row, row,
												 LC_RECEIVED_AT))
	{
		TimestampTz clock_start = lead_find_duplicate(row);

		lead_set(row, LC_SLA_STARTED_AT, TimestampTzGetDatum(clock_start));
		routing_changed = true;
	}

	closed = leadflow_stage_is_closed(lead_get_text(old_row, LC_STAGE));
	if (!closed && (contact_changed || routing_changed ||
					leadflow_lead_changed(old_row, row, LC_ATTRIBUTES) ||
					leadflow_lead_changed(old_row, row,
										  LC_SCORE_MODEL_VERSION)))
		lead_score(row);
	else if (leadflow_lead_changed(old_row, row, LC_SCORE_MODEL_VERSION))
	{
		/* The version always names the model behind the kept score. */
		lead_set(row, LC_SCORE_MODEL_VERSION,
				 lead_get(old_row, LC_SCORE_MODEL_VERSION));
		if (lead_isnull(old_row, LC_SCORE_MODEL_VERSION))
			lead_set_null(row, LC_SCORE_MODEL_VERSION);
	}

	/*
	 * Restart the SLA clock when its inputs changed, or when the writer
	 * (e.g. a reassignment) set a new clock start.
	 */
	if (routing_changed ||
		leadflow_lead_changed(old_row, row, LC_SLA_STARTED_AT))
	{
		TimestampTz clock_start;

		/* New routing picks the policy afresh unless the writer chose. */
		if (routing_changed &&
			!leadflow_lead_changed(old_row, row, LC_POLICY_ID))
			lead_set_null(row, LC_POLICY_ID);

		clock_start = lead_isnull(row, LC_SLA_STARTED_AT) ?
			DatumGetTimestampTz(lead_get(row, LC_RECEIVED_AT)) :
			DatumGetTimestampTz(lead_get(row, LC_SLA_STARTED_AT));

		lead_start_sla(row, clock_start);
	}

	/* A new rep was assigned now, unless the writer said when. */
	if (leadflow_lead_changed(old_row, row, LC_REP_ID) &&
		!leadflow_lead_changed(old_row, row, LC_ASSIGNED_AT))
	{
		if (lead_isnull(row, LC_REP_ID))
			lead_set_null(row, LC_ASSIGNED_AT);
		else
			lead_set(row, LC_ASSIGNED_AT,
					 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
	}

	leadflow_stage_enter(old_row, row);
}

/*
 * leadflow_lead_before
 *		BEFORE INSERT OR UPDATE FOR EACH ROW on leadflow.lead.  Returns the
 *		row to store.
 */
Datum
leadflow_lead_before(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	LeadRow		row;
	LeadRow		old_row;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"lead_before\" must be fired BEFORE INSERT OR UPDATE FOR EACH ROW")));

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		leadflow_lead_row_open(&row, trigdata->tg_relation,
							   trigdata->tg_trigtuple);
		lead_before_insert(&row);
	}
	else
	{
		leadflow_lead_row_open(&old_row, trigdata->tg_relation,
							   trigdata->tg_trigtuple);
		leadflow_lead_row_open(&row, trigdata->tg_relation,
							   trigdata->tg_newtuple);
		lead_before_update(&old_row, &row);
	}

	lead_set_flags(&row);
	lead_set(&row, LC_UPDATED_AT,
			 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
	return PointerGetDatum(leadflow_lead_row_form(&row));
}
