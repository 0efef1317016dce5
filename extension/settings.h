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

/* Write-time behaviour (PGC_USERSET). */
extern int	leadflow_duplicate_window;
extern int	leadflow_early_touch_tolerance;
extern int	leadflow_future_arrival_tolerance;

/* Region for phone numbers without a country code, upper case (USERSET). */
extern char *leadflow_default_region;

/* Lead score: smoothing weight m of the won rates, in closed leads. */
extern double leadflow_score_smoothing;

extern void leadflow_define_settings(void);

#endif							/* LEADFLOW_SETTINGS_H */
