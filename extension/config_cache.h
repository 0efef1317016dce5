/*-------------------------------------------------------------------------
 *
 * extension/config_cache.h
 *		Per-backend caches of leadflow's configuration rows, and the
 *		invalidation that keeps every backend's copy current.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_CONFIG_CACHE_H
#define LEADFLOW_CONFIG_CACHE_H

#include "postgres.h"

#include "utils/timestamp.h"

/* One active SLA policy, as the lead trigger needs it. */
typedef struct LeadflowPolicy
{
	int32		policy_id;
	int32		priority;
	char	   *channel;		/* NULL matches any channel */
	int32		campaign_id;	/* 0 matches any campaign */
	bool		has_min_score;
	int16		min_score;
	int32		calendar_id;
	double		allowance_s;	/* business seconds */
	bool		active;			/* only active policies are picked */
	bool		escalates;		/* has a pre-breach warning or a ladder */
	bool		warns;			/* has a pre-breach warning */
	int64		warn_offset_us; /* start of the clock to the warning */
} LeadflowPolicy;

extern void leadflow_cache_watch(const char *relname, bool *valid);

extern bool leadflow_campaign_lookup(const char *name, int32 *campaign_id,
									 char **channel);
extern const char *leadflow_campaign_channel(int32 campaign_id);
extern const LeadflowPolicy *leadflow_policy_pick(const char *channel,
												  int32 campaign_id,
												  bool has_score,
												  int16 score);
extern const LeadflowPolicy *leadflow_policy_get(int32 policy_id);

#endif							/* LEADFLOW_CONFIG_CACHE_H */
