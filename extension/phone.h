/*-------------------------------------------------------------------------
 *
 * extension/phone.h
 *		Phone number normalisation: a C interface over Google's
 *		libphonenumber with Vietnam's renumbering rules on top.
 *
 * Pure code: no PostgreSQL headers, callable from the server, from the
 * cmocka tests and from scratch programs alike.  The implementation is
 * C++ but nothing C++ crosses this interface: every exception is caught
 * inside and turned into a "problem" phrase.  No shared state beyond
 * libphonenumber's own read-only metadata singleton, built on first use
 * in each process.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_PHONE_H
#define LEADFLOW_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C"
{
#endif

/* Inputs longer than this many bytes are refused as "too long". */
#define LEADFLOW_PHONE_MAX_INPUT 250

/* What leadflow_phone_normalize learnt about one input. */
typedef struct LeadflowPhone
{
	bool		parsed;			/* libphonenumber could read a number */
	bool		valid;			/* a valid number for its region */
	char		e164[32];		/* "+84912345678", empty when !parsed */
	const char *number_type;	/* static: "mobile", "fixed_line",
								 * "fixed_line_or_mobile", "toll_free",
								 * "voip", "other", "unknown" */
	const char *problem;		/* static English phrase, NULL when valid */
} LeadflowPhone;

/*
 * Reads len bytes of raw (any bytes; raw may be NULL when len is 0) as a
 * phone number.  default_region is a two-letter region code (either
 * case) used for numbers written without a country code; NULL or an
 * unsupported code accepts international forms only.  Fills *out fully;
 * never fails otherwise.
 */
extern void leadflow_phone_normalize(const char *raw, size_t len,
									 const char *default_region,
									 LeadflowPhone *out);

/* True when region (two letters, either case) is known to libphonenumber. */
extern bool leadflow_phone_region_supported(const char *region);

#ifdef __cplusplus
}
#endif

#endif							/* LEADFLOW_PHONE_H */
