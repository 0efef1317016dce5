/*-------------------------------------------------------------------------
 *
 * extension/settings.h
 *		leadflow's configuration settings (GUCs), defined in one place.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SETTINGS_H
#define LEADFLOW_SETTINGS_H

/* Worker timing, seconds (PGC_SIGHUP). */
extern int	leadflow_launcher_naptime;

/* Lead score: smoothing weight m of the won rates, in closed leads. */
extern double leadflow_score_smoothing;

extern void leadflow_define_settings(void);

#endif							/* LEADFLOW_SETTINGS_H */
