/*-------------------------------------------------------------------------
 *
 * extension/touch.h
 *		A lead's figures recomputed from its touches.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_TOUCH_H
#define LEADFLOW_TOUCH_H

#include "postgres.h"

extern void leadflow_touch_recompute(int64 lead_id);

#endif							/* LEADFLOW_TOUCH_H */
