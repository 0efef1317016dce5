/*-------------------------------------------------------------------------
 *
 * extension/email.h
 *		E-mail address normalisation: trimming, a syntax check and a
 *		matching key for finding duplicate leads.
 *
 * Pure C: no PostgreSQL headers, no state.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_EMAIL_H
#define LEADFLOW_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads len bytes of raw (any bytes; raw may be NULL when len is 0) as an
 * e-mail address.  email_out and key_out are caller buffers of at least
 * len + 1 bytes.  email_out receives the address trimmed of surrounding
 * white space (ASCII and common Unicode spaces) with the part after the
 * last "@" lower-cased, even when the address is invalid.  key_out
 * receives the matching key of a valid address (the whole address
 * lower-cased; for Gmail also without dots and "+tag" in the local part
 * and with the domain "gmail.com"), or "" when invalid.  *problem is set
 * to a static English phrase, or NULL when valid.  Returns validity.
 */
extern bool leadflow_email_normalize(const char *raw, size_t len,
									 char *email_out, char *key_out,
									 const char **problem);

#endif							/* LEADFLOW_EMAIL_H */
