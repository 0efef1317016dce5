/*-------------------------------------------------------------------------
 *
 * extension/stage.h
 *		Lead stages and the times a lead first entered each.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_STAGE_H
#define LEADFLOW_STAGE_H

#include "lead_row.h"

extern bool leadflow_stage_is_closed(const char *stage);
extern int	leadflow_stage_rank(const char *stage);
extern void leadflow_stage_enter(const LeadRow *old_row, LeadRow *row);

#endif							/* LEADFLOW_STAGE_H */
