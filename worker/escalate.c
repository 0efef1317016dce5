/*-------------------------------------------------------------------------
 *
 * worker/escalate.c
 *		The escalation job: fires the pre-breach warning and the ladder
 *		steps of open, unanswered leads when they fall due, and
 *		leadflow.run_escalations(), which does the same by hand.
 *
 * One run looks at most batch_size leads of leadflow.escalation_queue
 * whose time has come, oldest first, and locks them (FOR NO KEY UPDATE
 * SKIP LOCKED: a lead that a writer or a concurrent run holds waits for
 * the next run).  With the leads locked it reads, in a fresh snapshot,
 * the steps they already fired, so no other run can fire the same step;
 * the UNIQUE (lead_id, step) of the ledger backs this up.  For each lead
 * the next step's due time is computed in business time on the policy's
 * calendar; a step not yet due, or a paused lead, goes back into the
 * queue at its exact time; a due step fires: a ledger row, a lead_event
 * 'escalated', a pg_notify on channel leadflow_escalation, and for
 * reassign a new rep.  A reassign step that finds nobody to take the lead
 * does not fire: it stays pending, its first such attempt is recorded in
 * leadflow.escalation_wait, and the lead is looked at again one
 * escalation interval later (or at once when a rep of its team becomes
 * available, see 81_escalation.sql).  Everything a run does commits or
 * rolls back together, which is what makes a step fire exactly once
 * across crashes.  A reassignment that fails with an error (a trigger
 * or constraint of the site's own on the lead or the rep) is rolled back
 * alone, in a subtransaction: that lead's step does not fire and is tried
 * again one interval later, and the run goes on with the other leads
 * (escalate_reassign_all).
 *
 * Statements are few and set-based (arrays in, one statement per kind of
 * write) so that a run costs a handful of statements, plus four per
 * reassignment.  No state outlives a run; statements run with
 * search_path set to pg_catalog, pg_temp by the caller.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/async.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "calendar.h"
#include "jobrun.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(leadflow_run_escalations);

/* How many distinct statements escalate_exec keeps plans for. */
#define ESCALATE_STATEMENTS 16

/* One step of a policy's ladder. */
typedef struct EscalateStep
{
	int32		policy_id;
	int16		step;
	const char *action;
	double		after_s;		/* business seconds after SLA due */
} EscalateStep;

/* A locked lead, what it needs next, and what the run did about it. */
typedef struct EscalateLead
{
	int64		lead_id;
	int32		policy_id;
	int32		rep_id;			/* 0: none */
	int32		manager_id;		/* 0: none */
	int32		team_id;		/* 0: none */
	int32		calendar_id;
	TimestampTz started;		/* sla_started_at, or 0 */
	TimestampTz due;			/* sla_due_at */
	TimestampTz paused;			/* paused_until, or 0 */
	double		allowance_s;
	double		warn_share;		/* 0: no warning */
	bool		open;			/* unanswered, not closed, has a policy */
	int			last_step;		/* highest step fired, -1 for none */

	/* Decided by the run. */
	bool		fires;			/* a step fires now */
	int16		fire_step;
	const char *fire_action;
	TimestampTz fire_due;
	int32		new_rep_id;		/* reassign: 0 when nobody */
	const char *outcome;		/* reassign only */
	bool		waits;			/* reassign found nobody: stays pending */
	TimestampTz next_at;		/* requeue at, or 0 to dequeue */
} EscalateLead;

/* The state of one run. */
typedef struct EscalateRun
{
	TimestampTz now;
	EscalateLead *leads;
	int			nleads;
	EscalateStep *steps;
	int			nsteps;
	MemoryContext caller_context;	/* the caller's, outside SPI */
	/* (team, holder) pairs for which this run found nobody eligible */
	int32	   *empty_teams;
	int32	   *empty_holders;
	int			nempty;
	/* Reassignments that failed with an error, and the first of them. */
	int			nbroken;
	int64		broken_lead;
	char	   *broken_error;
} EscalateRun;

static void escalate_exec(const char *sql, int nargs, Oid *types,
						  Datum *values, const char *nulls, int expect);
static void escalate_lock_due(EscalateRun *run, int batch_size);
static void escalate_load_fired(EscalateRun *run);
static void escalate_load_steps(EscalateRun *run);
static const EscalateStep *escalate_step_after(EscalateRun *run,
											   int32 policy_id, int step);
static TimestampTz escalate_add(EscalateLead *lead, TimestampTz from,
								double seconds);
static void escalate_decide(EscalateRun *run, EscalateLead *lead);
static void escalate_requeue_after(EscalateRun *run, EscalateLead *lead,
								   int fired_step);
static void escalate_reassign_all(EscalateRun *run);
static bool escalate_reassigns(const EscalateLead *lead);
static bool escalate_try_reassign(EscalateRun *run, int only);
static void escalate_reassign(EscalateRun *run, EscalateLead *lead);
static void escalate_wait(EscalateRun *run, EscalateLead *lead);
static void escalate_record_waits(EscalateRun *run);
static int64 escalate_fire(EscalateRun *run);
static void escalate_notify(EscalateRun *run);
static void escalate_json_id(StringInfo buf, const char *key, int32 id);
static int	escalate_cmp_id(const void *a, const void *b);
static void escalate_update_queue(EscalateRun *run);
static Datum escalate_array(Datum *values, bool *nulls, int n, Oid type);

/*
 * escalate_exec
 *		Runs one of this file's statements through SPI (already connected)
 *		and raises an internal error unless it returns the expected SPI
 *		code.  Statements are planned once per process and kept: a session
 *		that calls leadflow.run_escalations() again skips the planning,
 *		and the plan cache replans them when the tables change.  The key
 *		is the address of the statement's text, a string literal.
 */
static void
escalate_exec(const char *sql, int nargs, Oid *types, Datum *values,
			  const char *nulls, int expect)
{
	static struct
	{
		const char *sql;
		SPIPlanPtr	plan;
	}			kept[ESCALATE_STATEMENTS];
	SPIPlanPtr	plan = NULL;
	int			i;
	int			rc;

	for (i = 0; i < ESCALATE_STATEMENTS && kept[i].sql != NULL; i++)
		if (kept[i].sql == sql)
			plan = kept[i].plan;
	if (plan == NULL)
	{
		plan = SPI_prepare(sql, nargs, types);
		if (plan == NULL)
			elog(ERROR, "leadflow: could not prepare an escalation statement: %s",
				 SPI_result_code_string(SPI_result));
		if (i < ESCALATE_STATEMENTS && SPI_keepplan(plan) == 0)
		{
			kept[i].sql = sql;
			kept[i].plan = plan;
		}
	}

	rc = SPI_execute_plan(plan, values, nulls, false, 0);
	if (rc != expect)
		elog(ERROR, "leadflow: SPI returned %d for an escalation statement",
			 rc);
}

/*
 * leadflow_escalate
 *		One escalation run: fires every step due now among at most
 *		batch_size queued leads.  Returns the number of steps fired and
 *		sets *more when the batch was full, so more leads may be due.
 *		Sets *problem to a sentence when some reassignments failed (they
 *		are tried again later), else to NULL.  Expects a transaction with a
 *		snapshot; connects to SPI itself.
 */
int64
leadflow_escalate(int batch_size, bool *more, char **problem)
{
	EscalateRun run;
	int64		fired;
	int			i;

	memset(&run, 0, sizeof(run));
	run.now = GetCurrentTransactionStartTimestamp();
	run.caller_context = CurrentMemoryContext;
	*problem = NULL;

	SPI_connect();
	escalate_lock_due(&run, batch_size);
	*more = (run.nleads >= batch_size);
	if (run.nleads == 0)
	{
		SPI_finish();
		return 0;
	}
	escalate_load_fired(&run);
	escalate_load_steps(&run);

	for (i = 0; i < run.nleads; i++)
		escalate_decide(&run, &run.leads[i]);
	escalate_reassign_all(&run);

	fired = escalate_fire(&run);
	escalate_record_waits(&run);
	escalate_update_queue(&run);
	if (run.nbroken > 0)
	{
		/* In the caller's memory: SPI_finish frees SPI's. */
		MemoryContext spi = MemoryContextSwitchTo(run.caller_context);

		*problem = psprintf("%d %s could not be reassigned and will be "
							"tried again; lead " INT64_FORMAT ": %s",
							run.nbroken, run.nbroken == 1 ? "lead" : "leads",
							run.broken_lead, run.broken_error);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return fired;
}

/*
 * escalate_lock_due
 *		Locks the queued leads whose time has come, oldest first, skipping
 *		those another transaction holds, and loads what the run needs of
 *		them.  Leads are allocated in SPI's memory, which lives until
 *		SPI_finish.
 */
static void
escalate_lock_due(EscalateRun *run, int batch_size)
{
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		values[2];
	uint64		i;

	values[0] = TimestampTzGetDatum(run->now);
	values[1] = Int32GetDatum(batch_size);
	escalate_exec("SELECT l.lead_id, l.policy_id, l.rep_id, r.manager_id, "
				  "r.team_id, p.calendar_id, l.sla_started_at, l.sla_due_at, "
				  "l.paused_until, "
				  "extract(epoch FROM p.allowance)::float8, "
				  "p.warn_share::float8, "
				  "(l.first_response_at IS NULL AND l.sla_due_at IS NOT NULL "
				  "AND p.policy_id IS NOT NULL "
				  "AND l.stage NOT IN ('won', 'lost', 'disqualified')) "
				  "FROM leadflow.escalation_queue q "
				  "JOIN leadflow.lead l ON l.lead_id = q.lead_id "
				  "LEFT JOIN leadflow.sla_policy p "
				  "ON p.policy_id = l.policy_id "
				  "LEFT JOIN leadflow.rep r ON r.rep_id = l.rep_id "
				  "WHERE q.next_at <= $1 "
				  "ORDER BY q.next_at LIMIT $2 "
				  "FOR NO KEY UPDATE OF l SKIP LOCKED",
				  2, types, values, NULL, SPI_OK_SELECT);

	run->nleads = SPI_processed;
	run->leads = palloc0(sizeof(EscalateLead) * Max(run->nleads, 1));
	run->empty_teams = palloc(sizeof(int32) * Max(run->nleads, 1));
	run->empty_holders = palloc(sizeof(int32) * Max(run->nleads, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		EscalateLead *lead = &run->leads[i];
		bool		isnull;
		Datum		d;

		lead->lead_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		d = SPI_getbinval(tup, desc, 2, &isnull);
		lead->policy_id = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 3, &isnull);
		lead->rep_id = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 4, &isnull);
		lead->manager_id = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 5, &isnull);
		lead->team_id = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		lead->calendar_id = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 7, &isnull);
		lead->started = isnull ? 0 : DatumGetTimestampTz(d);
		d = SPI_getbinval(tup, desc, 8, &isnull);
		lead->due = isnull ? 0 : DatumGetTimestampTz(d);
		d = SPI_getbinval(tup, desc, 9, &isnull);
		lead->paused = isnull ? 0 : DatumGetTimestampTz(d);
		d = SPI_getbinval(tup, desc, 10, &isnull);
		lead->allowance_s = isnull ? 0 : DatumGetFloat8(d);
		d = SPI_getbinval(tup, desc, 11, &isnull);
		lead->warn_share = isnull ? 0 : DatumGetFloat8(d);
		d = SPI_getbinval(tup, desc, 12, &isnull);
		lead->open = !isnull && DatumGetBool(d);
		lead->last_step = -1;
	}
}

/*
 * escalate_load_fired
 *		The highest step each locked lead has fired.  Read after the locks
 *		were taken, in a snapshot of its own, so it sees every step a run
 *		that held a lead before this one committed.
 */
static void
escalate_load_fired(EscalateRun *run)
{
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];
	Datum	   *ids = palloc(sizeof(Datum) * run->nleads);
	uint64		i;
	int			j;

	for (j = 0; j < run->nleads; j++)
		ids[j] = Int64GetDatum(run->leads[j].lead_id);
	values[0] = escalate_array(ids, NULL, run->nleads, INT8OID);
	escalate_exec("SELECT lead_id, max(step) FROM leadflow.escalation "
				  "WHERE lead_id = ANY ($1) GROUP BY lead_id",
				  1, types, values, NULL, SPI_OK_SELECT);

	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc,
													 1, &isnull));
		int			step = DatumGetInt16(SPI_getbinval(SPI_tuptable->vals[i],
													   SPI_tuptable->tupdesc,
													   2, &isnull));

		for (j = 0; j < run->nleads; j++)
			if (run->leads[j].lead_id == id)
				run->leads[j].last_step = step;
	}
}

/*
 * escalate_load_steps
 *		The ladders of the policies of the locked leads, ordered by policy
 *		and step.
 */
static void
escalate_load_steps(EscalateRun *run)
{
	Oid			types[1] = {INT4ARRAYOID};
	Datum		values[1];
	Datum	   *ids = palloc(sizeof(Datum) * run->nleads);
	uint64		i;
	int			j;

	for (j = 0; j < run->nleads; j++)
		ids[j] = Int32GetDatum(run->leads[j].policy_id);
	values[0] = escalate_array(ids, NULL, run->nleads, INT4OID);
	escalate_exec("SELECT policy_id, step, action, "
				  "extract(epoch FROM after_due)::float8 "
				  "FROM leadflow.escalation_step "
				  "WHERE policy_id = ANY ($1) ORDER BY policy_id, step",
				  1, types, values, NULL, SPI_OK_SELECT);

	run->nsteps = SPI_processed;
	run->steps = palloc0(sizeof(EscalateStep) * Max(run->nsteps, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		EscalateStep *s = &run->steps[i];
		bool		isnull;

		s->policy_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		s->step = DatumGetInt16(SPI_getbinval(tup, desc, 2, &isnull));
		s->action = SPI_getvalue(tup, desc, 3);
		s->after_s = DatumGetFloat8(SPI_getbinval(tup, desc, 4, &isnull));
	}
}

/*
 * escalate_step_after
 *		The first step of the policy's ladder numbered above step, or NULL
 *		when the ladder has no more.
 */
static const EscalateStep *
escalate_step_after(EscalateRun *run, int32 policy_id, int step)
{
	int			i;

	for (i = 0; i < run->nsteps; i++)
		if (run->steps[i].policy_id == policy_id && run->steps[i].step > step)
			return &run->steps[i];
	return NULL;
}

/*
 * escalate_add
 *		from plus seconds of business time on the lead's policy calendar.
 */
static TimestampTz
escalate_add(EscalateLead *lead, TimestampTz from, double seconds)
{
	return leadflow_calendar_add(leadflow_calendar_get(lead->calendar_id),
								 from, seconds);
}

/*
 * escalate_decide
 *		What the run does with one lead: nothing more ever (dequeue), wait
 *		(requeue at the exact due time, or at the end of a pause), or fire
 *		the next step.  The warning comes first, but only before SLA due:
 *		once the SLA is breached a warning has nothing left to warn about.
 */
static void
escalate_decide(EscalateRun *run, EscalateLead *lead)
{
	const EscalateStep *next;
	TimestampTz due;
	int16		step;
	const char *action;

	lead->next_at = 0;
	lead->fires = false;
	if (!lead->open)
		return;

	if (lead->last_step < 0 && lead->warn_share > 0 && lead->started != 0 &&
		run->now < lead->due)
	{
		step = 0;
		action = "warn";
		due = escalate_add(lead, lead->started,
						   lead->allowance_s * lead->warn_share);
	}
	else
	{
		next = escalate_step_after(run, lead->policy_id,
								   Max(lead->last_step, 0));
		if (next == NULL)
			return;
		step = next->step;
		action = next->action;
		due = escalate_add(lead, lead->due, next->after_s);
	}

	if (due > run->now || lead->paused > run->now)
	{
		lead->next_at = Max(due, lead->paused);
		return;
	}
	lead->fires = true;
	lead->fire_step = step;
	lead->fire_action = action;
	lead->fire_due = due;
	escalate_requeue_after(run, lead, step);
}

/*
 * escalate_requeue_after
 *		Where a lead goes in the queue once fired_step has fired: at the
 *		due time of the following step, or out of the queue when the
 *		ladder ends.  The warning may be followed by the first step.
 */
static void
escalate_requeue_after(EscalateRun *run, EscalateLead *lead, int fired_step)
{
	const EscalateStep *next = escalate_step_after(run, lead->policy_id,
												   fired_step);

	lead->next_at = next ? escalate_add(lead, lead->due, next->after_s) : 0;
}

/*
 * escalate_reassign_all
 *		Reassigns every lead whose reassign step is due, all in one
 *		subtransaction.  Should that fail with an error (say, a trigger of
 *		the site's on leadflow.lead refusing a new rep), it is undone and
 *		every lead is tried again in a subtransaction of its own, so that
 *		only the leads that fail are left out: their step does not fire and
 *		they are looked at again one escalation interval later, while the
 *		run goes on.  One subtransaction in the usual case keeps a run from
 *		using up the subtransaction cache that other backends' snapshots
 *		rely on.
 */
static void
escalate_reassign_all(EscalateRun *run)
{
	EscalateLead *saved = palloc(sizeof(EscalateLead) * run->nleads);
	int			saved_nempty = run->nempty;
	int			i;

	for (i = 0; i < run->nleads; i++)
		if (escalate_reassigns(&run->leads[i]))
			break;
	if (i == run->nleads)
		return;					/* nothing to reassign */

	memcpy(saved, run->leads, sizeof(EscalateLead) * run->nleads);
	if (escalate_try_reassign(run, -1))
		return;

	memcpy(run->leads, saved, sizeof(EscalateLead) * run->nleads);
	run->nempty = saved_nempty;
	for (i = 0; i < run->nleads; i++)
		if (escalate_reassigns(&run->leads[i]))
			(void) escalate_try_reassign(run, i);
}

/*
 * escalate_reassigns
 *		Whether the run fires a reassign step for the lead.
 */
static bool
escalate_reassigns(const EscalateLead *lead)
{
	return lead->fires && strcmp(lead->fire_action, "reassign") == 0;
}

/*
 * escalate_try_reassign
 *		Runs escalate_reassign for the lead numbered only, or for every
 *		lead that reassigns when only is -1, in a subtransaction.  Returns
 *		false when an error undid it; for a single lead the error is kept
 *		for the run's message and the lead waits for the next interval.  A
 *		cancellation (leadflow.job_timeout, or the launcher ending an
 *		overrun) is not caught: it ends the run.
 */
static bool
escalate_try_reassign(EscalateRun *run, int only)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;
	int			i;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		for (i = 0; i < run->nleads; i++)
			if ((only < 0 || i == only) && escalate_reassigns(&run->leads[i]))
				escalate_reassign(run, &run->leads[i]);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		ok = false;

		if (only >= 0)
		{
			EscalateLead *lead = &run->leads[only];

			if (run->nbroken++ == 0)
			{
				run->broken_lead = lead->lead_id;
				run->broken_error = edata->message;
			}
			lead->fires = false;
			lead->waits = false;
			lead->outcome = NULL;
			lead->new_rep_id = 0;
			lead->next_at = run->now +
				(TimestampTz) leadflow_escalation_interval * USECS_PER_SEC;
		}
	}
	PG_END_TRY();
	return ok;
}

/*
 * escalate_reassign
 *		Gives a lead whose reassign step is due to another active rep of its
 *		rep's team who is on shift now (on the rep's calendar, else the
 *		team's; a rep with neither is always on shift) and has room under
 *		open_lead_cap, least recently assigned first.  Restarts the SLA
 *		clock, which the lead's row trigger turns into a new SLA due, and
 *		requeues the lead's next step from there.  The team's reps are
 *		locked first, so that concurrent reassignments count each other's
 *		leads against the cap.  With nobody eligible the step does not
 *		fire but waits (escalate_wait); a lead whose rep has no team has
 *		nobody to wait for, and its step fires with outcome no_team.
 */
static void
escalate_reassign(EscalateRun *run, EscalateLead *lead)
{
	Oid			types[2] = {INT4OID, INT4OID};
	Datum		values[2];
	uint64		i;
	int			k;

	lead->outcome = "no_team";
	if (lead->team_id == 0)
		return;

	/*
	 * Within one run a rep only loses eligibility (shifts are judged at the
	 * run's start, and every reassignment uses up room under a cap), so a
	 * team found with nobody for a holder stays so for the rest of the run.
	 */
	for (k = 0; k < run->nempty; k++)
		if (run->empty_teams[k] == lead->team_id &&
			run->empty_holders[k] == lead->rep_id)
		{
			escalate_wait(run, lead);
			return;
		}

	values[0] = Int32GetDatum(lead->team_id);
	values[1] = Int32GetDatum(lead->rep_id);

	/*
	 * Inactive reps too: a rep being made active by a transaction still in
	 * progress is then either seen active here (once it commits) or, when
	 * this run locks first, made active after this run has committed its
	 * wait, which the rep's trigger then brings forward.  Never neither.
	 */
	escalate_exec("SELECT rep_id FROM leadflow.rep "
				  "WHERE team_id = $1 AND rep_id <> $2 "
				  "ORDER BY rep_id FOR UPDATE",
				  2, types, values, NULL, SPI_OK_SELECT);
	escalate_exec("SELECT r.rep_id, coalesce(r.calendar_id, t.calendar_id), "
				  "r.open_lead_cap IS NULL OR (SELECT count(*) FROM "
				  "(SELECT 1 FROM leadflow.lead l WHERE l.rep_id = r.rep_id "
				  "AND l.stage NOT IN ('won', 'lost', 'disqualified') "
				  "LIMIT r.open_lead_cap) o) < r.open_lead_cap "
				  "FROM leadflow.rep r "
				  "LEFT JOIN leadflow.team t ON t.team_id = r.team_id "
				  "WHERE r.team_id = $1 AND r.active AND r.rep_id <> $2 "
				  "ORDER BY r.last_assigned_at NULLS FIRST, r.rep_id",
				  2, types, values, NULL, SPI_OK_SELECT);

	for (i = 0; i < SPI_processed && lead->new_rep_id == 0; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		cal_null;
		int32		rep = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		Datum		cal = SPI_getbinval(tup, desc, 2, &cal_null);
		bool		room = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));

		if (room &&
			(cal_null ||
			 leadflow_calendar_is_working(leadflow_calendar_get(DatumGetInt32(cal)),
										  run->now)))
			lead->new_rep_id = rep;
	}
	if (lead->new_rep_id == 0)
	{
		run->empty_teams[run->nempty] = lead->team_id;
		run->empty_holders[run->nempty++] = lead->rep_id;
		escalate_wait(run, lead);
		return;
	}

	lead->outcome = "reassigned";
	values[0] = Int32GetDatum(lead->new_rep_id);
	escalate_exec("UPDATE leadflow.rep SET last_assigned_at = now() "
				  "WHERE rep_id = $1",
				  1, types, values, NULL, SPI_OK_UPDATE);

	types[1] = INT8OID;
	values[1] = Int64GetDatum(lead->lead_id);
	escalate_exec("UPDATE leadflow.lead SET rep_id = $1, assigned_at = now(), "
				  "sla_started_at = now() WHERE lead_id = $2 "
				  "RETURNING sla_due_at",
				  2, types, values, NULL, SPI_OK_UPDATE_RETURNING);
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			lead->due = DatumGetTimestampTz(d);
	}
	escalate_requeue_after(run, lead, lead->fire_step);
}

/*
 * escalate_wait
 *		Keeps a reassign step that found nobody eligible pending: it does
 *		not fire, and the lead is looked at again one escalation interval
 *		from now, the earliest a shift, a freed place under a cap or a rep
 *		made active is noticed without a wake-up.  The wait is recorded by
 *		escalate_record_waits.
 */
static void
escalate_wait(EscalateRun *run, EscalateLead *lead)
{
	lead->fires = false;
	lead->waits = true;
	lead->outcome = NULL;
	lead->next_at = run->now +
		(TimestampTz) leadflow_escalation_interval * USECS_PER_SEC;
}

/*
 * escalate_record_waits
 *		Records, once per lead and step, that a reassign step is waiting
 *		for an eligible rep: a row of leadflow.escalation_wait holding the
 *		first attempt that found nobody.  Later attempts of the same step
 *		find the row and add nothing, so a long wait leaves one record.
 */
static void
escalate_record_waits(EscalateRun *run)
{
	Oid			types[4] = {INT8ARRAYOID, INT2ARRAYOID, TIMESTAMPTZARRAYOID,
	INT4ARRAYOID};
	Datum		values[4];
	Datum	   *ids = palloc(sizeof(Datum) * run->nleads);
	Datum	   *steps = palloc(sizeof(Datum) * run->nleads);
	Datum	   *dues = palloc(sizeof(Datum) * run->nleads);
	Datum	   *reps = palloc(sizeof(Datum) * run->nleads);
	bool	   *rep_nulls = palloc(sizeof(bool) * run->nleads);
	int			n = 0;
	int			i;

	for (i = 0; i < run->nleads; i++)
	{
		EscalateLead *lead = &run->leads[i];

		if (!lead->waits)
			continue;
		ids[n] = Int64GetDatum(lead->lead_id);
		steps[n] = Int16GetDatum(lead->fire_step);
		dues[n] = TimestampTzGetDatum(lead->fire_due);
		reps[n] = Int32GetDatum(lead->rep_id);
		rep_nulls[n] = (lead->rep_id == 0);
		n++;
	}
	if (n == 0)
		return;

	values[0] = escalate_array(ids, NULL, n, INT8OID);
	values[1] = escalate_array(steps, NULL, n, INT2OID);
	values[2] = escalate_array(dues, NULL, n, TIMESTAMPTZOID);
	values[3] = escalate_array(reps, rep_nulls, n, INT4OID);
	escalate_exec("INSERT INTO leadflow.escalation_wait "
				  "(lead_id, step, due_at, waiting_since, rep_id) "
				  "SELECT u.lead_id, u.step, u.due_at, now(), u.rep_id "
				  "FROM unnest($1, $2, $3, $4) "
				  "AS u(lead_id, step, due_at, rep_id) "
				  "ON CONFLICT (lead_id, step) DO NOTHING",
				  4, types, values, NULL, SPI_OK_INSERT);
}

/*
 * escalate_fire
 *		Writes every step the run fires: the ledger row, the lead event and
 *		the notification, in one statement.  A step some other transaction
 *		fired first (impossible while every run locks its leads, but the
 *		ledger's unique key is the last word) is skipped.  Returns the
 *		number of steps written.
 */
static int64
escalate_fire(EscalateRun *run)
{
	Oid			types[9] = {INT8ARRAYOID, INT2ARRAYOID, TEXTARRAYOID,
		INT4ARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID, INT4ARRAYOID,
	INT4ARRAYOID, TEXTARRAYOID};
	Datum		values[9];
	Datum	   *cols[9];
	bool	   *nulls[9];
	int			n = 0;
	int			c;
	int			i;

	for (c = 0; c < 9; c++)
	{
		cols[c] = palloc0(sizeof(Datum) * run->nleads);
		nulls[c] = palloc0(sizeof(bool) * run->nleads);
	}
	for (i = 0; i < run->nleads; i++)
	{
		EscalateLead *lead = &run->leads[i];

		if (!lead->fires)
			continue;
		cols[0][n] = Int64GetDatum(lead->lead_id);
		cols[1][n] = Int16GetDatum(lead->fire_step);
		cols[2][n] = CStringGetTextDatum(lead->fire_action);
		cols[3][n] = Int32GetDatum(lead->policy_id);
		cols[4][n] = TimestampTzGetDatum(lead->fire_due);
		cols[5][n] = Int32GetDatum(lead->rep_id);
		nulls[5][n] = (lead->rep_id == 0);
		cols[6][n] = Int32GetDatum(lead->manager_id);
		nulls[6][n] = (lead->manager_id == 0);
		cols[7][n] = Int32GetDatum(lead->new_rep_id);
		nulls[7][n] = (lead->new_rep_id == 0);
		cols[8][n] = lead->outcome ? CStringGetTextDatum(lead->outcome) : 0;
		nulls[8][n] = (lead->outcome == NULL);
		n++;
	}
	if (n == 0)
		return 0;

	values[0] = escalate_array(cols[0], nulls[0], n, INT8OID);
	values[1] = escalate_array(cols[1], nulls[1], n, INT2OID);
	values[2] = escalate_array(cols[2], nulls[2], n, TEXTOID);
	values[3] = escalate_array(cols[3], nulls[3], n, INT4OID);
	values[4] = escalate_array(cols[4], nulls[4], n, TIMESTAMPTZOID);
	for (c = 5; c < 8; c++)
		values[c] = escalate_array(cols[c], nulls[c], n, INT4OID);
	values[8] = escalate_array(cols[8], nulls[8], n, TEXTOID);

	escalate_exec("WITH f AS (INSERT INTO leadflow.escalation "
				  "(lead_id, step, action, policy_id, due_at, fired_at, "
				  "rep_id, manager_id, new_rep_id, outcome) "
				  "SELECT u.lead_id, u.step, u.action, u.policy_id, u.due_at, "
				  "now(), u.rep_id, u.manager_id, u.new_rep_id, u.outcome "
				  "FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9) "
				  "AS u(lead_id, step, action, policy_id, due_at, rep_id, "
				  "manager_id, new_rep_id, outcome) "
				  "ON CONFLICT ON CONSTRAINT escalation_once DO NOTHING "
				  "RETURNING *), "
				  "e AS (INSERT INTO leadflow.lead_event "
				  "(lead_id, happened_at, kind, to_value, rep_id, details) "
				  "SELECT f.lead_id, f.fired_at, 'escalated', f.action, "
				  "f.rep_id, jsonb_build_object("
				  "'escalation_id', f.escalation_id, 'step', f.step, "
				  "'action', f.action, 'due_at', f.due_at, "
				  "'manager_id', f.manager_id, 'new_rep_id', f.new_rep_id, "
				  "'outcome', f.outcome, 'waiting_since', "
				  "(SELECT w.waiting_since FROM leadflow.escalation_wait w "
				  "WHERE w.lead_id = f.lead_id AND w.step = f.step)) FROM f) "
				  "SELECT f.lead_id FROM f",
				  9, types, values, NULL, SPI_OK_SELECT);
	escalate_notify(run);
	return SPI_processed;
}

/*
 * escalate_notify
 *		Queues one notification on channel leadflow_escalation for every
 *		step the last statement wrote (its result holds their lead ids);
 *		listeners get them when the transaction commits.  The payload is a
 *		JSON object built here from what the run already holds, which is
 *		cheaper than building it in SQL.
 */
static void
escalate_notify(EscalateRun *run)
{
	StringInfoData buf;
	char		stamp[MAXDATELEN + 1];
	const char *dbname = get_database_name(MyDatabaseId);
	EscalateLead **byid = palloc(sizeof(EscalateLead *) * run->nleads);
	uint64		i;
	int			j;

	/* The leads by id, to find each written step's lead. */
	for (j = 0; j < run->nleads; j++)
		byid[j] = &run->leads[j];
	qsort(byid, run->nleads, sizeof(EscalateLead *), escalate_cmp_id);

	initStringInfo(&buf);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc,
													 1, &isnull));
		EscalateLead key;
		EscalateLead **found;
		EscalateLead *lead;

		key.lead_id = id;
		lead = &key;
		found = bsearch(&lead, byid, run->nleads, sizeof(EscalateLead *),
						escalate_cmp_id);
		if (found == NULL || !(*found)->fires)
			continue;
		lead = *found;

		resetStringInfo(&buf);
		appendStringInfo(&buf, "{\"lead_id\" : " INT64_FORMAT
						 ", \"step\" : %d, \"action\" : ",
						 lead->lead_id, lead->fire_step);
		escape_json(&buf, lead->fire_action);
		escalate_json_id(&buf, "rep_id", lead->rep_id);
		escalate_json_id(&buf, "manager_id", lead->manager_id);
		escalate_json_id(&buf, "new_rep_id", lead->new_rep_id);
		appendStringInfo(&buf, ", \"due_at\" : \"%s\"",
						 JsonEncodeDateTime(stamp,
											TimestampTzGetDatum(lead->fire_due),
											TIMESTAMPTZOID, NULL));
		appendStringInfo(&buf, ", \"fired_at\" : \"%s\", \"database\" : ",
						 JsonEncodeDateTime(stamp,
											TimestampTzGetDatum(run->now),
											TIMESTAMPTZOID, NULL));
		escape_json(&buf, dbname);
		appendStringInfoChar(&buf, '}');
		Async_Notify("leadflow_escalation", buf.data);
	}
	pfree(buf.data);
}

/*
 * escalate_cmp_id
 *		qsort and bsearch comparator of pointers to leads, by lead id.
 */
static int
escalate_cmp_id(const void *a, const void *b)
{
	int64		x = (*(EscalateLead *const *) a)->lead_id;
	int64		y = (*(EscalateLead *const *) b)->lead_id;

	return (x > y) - (x < y);
}

/*
 * escalate_json_id
 *		Appends ", "key" : id" to a JSON object, null for id 0.
 */
static void
escalate_json_id(StringInfo buf, const char *key, int32 id)
{
	if (id == 0)
		appendStringInfo(buf, ", \"%s\" : null", key);
	else
		appendStringInfo(buf, ", \"%s\" : %d", key, id);
}

/*
 * escalate_update_queue
 *		Moves every looked-at lead to where it goes next in the queue, or
 *		out of it, in two statements.
 */
static void
escalate_update_queue(EscalateRun *run)
{
	Oid			types[2] = {INT8ARRAYOID, TIMESTAMPTZARRAYOID};
	Datum		values[2];
	Datum	   *ids = palloc(sizeof(Datum) * run->nleads);
	Datum	   *ats = palloc(sizeof(Datum) * run->nleads);
	Datum	   *gone = palloc(sizeof(Datum) * run->nleads);
	int			nq = 0;
	int			ng = 0;
	int			i;

	for (i = 0; i < run->nleads; i++)
	{
		EscalateLead *lead = &run->leads[i];

		if (lead->next_at != 0)
		{
			ids[nq] = Int64GetDatum(lead->lead_id);
			ats[nq++] = TimestampTzGetDatum(lead->next_at);
		}
		else
			gone[ng++] = Int64GetDatum(lead->lead_id);
	}
	if (nq > 0)
	{
		values[0] = escalate_array(ids, NULL, nq, INT8OID);
		values[1] = escalate_array(ats, NULL, nq, TIMESTAMPTZOID);
		escalate_exec("UPDATE leadflow.escalation_queue q "
					  "SET next_at = u.next_at "
					  "FROM unnest($1, $2) AS u(lead_id, next_at) "
					  "WHERE q.lead_id = u.lead_id",
					  2, types, values, NULL, SPI_OK_UPDATE);
	}
	if (ng > 0)
	{
		values[0] = escalate_array(gone, NULL, ng, INT8OID);
		escalate_exec("DELETE FROM leadflow.escalation_queue "
					  "WHERE lead_id = ANY ($1)",
					  1, types, values, NULL, SPI_OK_DELETE);
	}
}

/*
 * escalate_array
 *		A one-dimensional array of n values of a built-in type, with NULLs
 *		where nulls says (nulls may be NULL for none).
 */
static Datum
escalate_array(Datum *values, bool *nulls, int n, Oid type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs,
											  type, typlen, typbyval,
											  typalign));
}

/*
 * leadflow_run_escalations
 *		SQL: leadflow.run_escalations() returns bigint.  One escalation run
 *		by hand, in the calling transaction, recorded in leadflow.job_run
 *		as a manual run.
 */
Datum
leadflow_run_escalations(PG_FUNCTION_ARGS)
{
	TimestampTz started = GetCurrentTimestamp();
	bool		more;
	char	   *problem;
	int64		fired;

	fired = leadflow_escalate(leadflow_escalation_batch_size, &more,
							  &problem);
	if (problem != NULL)
		ereport(WARNING,
				(errmsg("leadflow escalation run: %s", problem),
				 errdetail("The run went on with the other leads.")));
	leadflow_jobrun_record("escalate", started, fired,
						   problem ? problem :
						   more ? "the batch was full; more leads may be due" :
						   NULL);
	PG_RETURN_INT64(fired);
}
