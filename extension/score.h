/*-------------------------------------------------------------------------
 *
 * extension/score.h
 *		The lead-quality score: what the lead trigger calls.
 *
 * leadflow_score_v1 computes a lead's score and its explanation from what
 * is known about the lead, reading the score rules and the close
 * statistics from per-backend caches (see score_cache.h for their
 * lifetime and invalidation).  leadflow_score_count_close keeps the close
 * statistics up to date as leads close and reopen.  Both need an open
 * transaction.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SCORE_H
#define LEADFLOW_SCORE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"

#include "utils/jsonb.h"

/* What is known about a lead when it is scored. */
typedef struct LeadflowScoreInput
{
	bool		has_phone;
	bool		phone_valid;
	bool		has_email;
	bool		email_valid;
	bool		duplicate;
	const char *channel;		/* NULL when none */
	int32		campaign_id;	/* 0 when none */
	Jsonb	   *attributes;		/* never NULL; may be any jsonb (object
								 * expected; anything else = no attributes) */
} LeadflowScoreInput;

extern int16 leadflow_score_v1(const LeadflowScoreInput *in,
							   Jsonb **explanation);
extern void leadflow_score_count_close(const char *channel, int32 campaign_id,
									   bool won, int delta);

/* The SQL scoring functions' shared argument and result handling. */
extern void leadflow_score_input_from_args(FunctionCallInfo fcinfo,
										   LeadflowScoreInput *in);
extern TupleDesc leadflow_score_result_desc(FunctionCallInfo fcinfo);

#endif							/* LEADFLOW_SCORE_H */
