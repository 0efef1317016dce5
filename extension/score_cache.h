/*-------------------------------------------------------------------------
 *
 * extension/score_cache.h
 *		Per-backend caches of the score rules and the close statistics.
 *
 * Each backend keeps its own copy of the active rows of leadflow.score_rule
 * and of all rows of leadflow.close_stats, loaded on first use and dropped
 * when a relcache invalidation for either table arrives (the tables'
 * statement triggers send one on every change; see score_cache.c).  What
 * the functions below return stays valid until the next call of
 * leadflow_score_cache_ready, and may be read but never changed.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SCORE_CACHE_H
#define LEADFLOW_SCORE_CACHE_H

#include "postgres.h"

#include "score_rule.h"

/* Closed and won leads of one channel, one campaign or all leads. */
typedef struct LfScoreCounts
{
	int64		closed;
	int64		won;
} LfScoreCounts;

extern void leadflow_score_cache_ready(void);
extern const LfScoreRule *leadflow_score_cached_rules(int *nrules);
extern LfScoreCounts leadflow_score_counts_all(void);
extern LfScoreCounts leadflow_score_counts_channel(const char *channel);
extern LfScoreCounts leadflow_score_counts_campaign(int32 campaign_id);

#endif							/* LEADFLOW_SCORE_CACHE_H */
