/*-------------------------------------------------------------------------
 *
 * worker/train.c
 *		One run of the "train" job: rescoring open leads left behind by a
 *		new model first, then training when it is due.
 *
 * The launcher starts the job every leadflow.train_interval, but at least
 * once a minute (TRAIN_CHECK_S), so that a model trained by hand is
 * applied soon.  A run first rescores up to leadflow.rescore_batch_size
 * open leads whose score is not from the current model; a full batch asks
 * the launcher to run the job again at once, and such follow-up runs only
 * rescore.  When nothing is left to rescore and training is due (no model
 * or training attempt within leadflow.train_interval), the run trains
 * (extension/learn_train.c) and, after a new model, rescores its first
 * batch in the same transaction, so the model and the first rescored
 * leads commit together.
 *
 * Runs inside the job's one transaction (worker/job.c); no state of its
 * own.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "learn.h"
#include "settings.h"
#include "train.h"

/* The longest time between two looks for leads to rescore, seconds. */
#define TRAIN_CHECK_S			60

/*
 * leadflow_train_interval_ms
 *		The launcher's interval of the train job: leadflow.train_interval,
 *		at most TRAIN_CHECK_S.
 */
int64
leadflow_train_interval_ms(void)
{
	return (int64) Min(leadflow_train_interval, TRAIN_CHECK_S) * 1000;
}

/*
 * leadflow_train_run
 *		The work of one run.  Returns the leads rescored plus one for a new
 *		model; sets *more when a rescoring batch was full and *message (or
 *		NULL) to what the run wants recorded.
 */
int64
leadflow_train_run(bool *more, char **message)
{
	int64		rows;
	int64		version;
	int64		rescored;

	*message = NULL;
	rows = leadflow_learn_rescore(leadflow_rescore_batch_size, more);
	if (*more || !leadflow_learn_train_due(leadflow_train_interval))
	{
		if (rows > 0)
			*message = psprintf("rescored " INT64_FORMAT " open leads",
								rows);
		return rows;
	}

	version = leadflow_learn_train(message);
	if (version == 0)
		return rows;
	rescored = leadflow_learn_rescore(leadflow_rescore_batch_size, more);
	*message = psprintf("%s; rescored " INT64_FORMAT " open leads",
						*message, rows + rescored);
	return rows + rescored + 1;
}
