/*-------------------------------------------------------------------------
 *
 * worker/train.h
 *		The worker's "train" job: trains the lead-quality model on its
 *		schedule and rescores open leads after a new model.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_TRAIN_H
#define LEADFLOW_TRAIN_H

#include "postgres.h"

extern int64 leadflow_train_interval_ms(void);
extern int64 leadflow_train_run(bool *more, char **message);

#endif							/* LEADFLOW_TRAIN_H */
