/*-------------------------------------------------------------------------
 *
 * extension/contact.h
 *		Server-side contact normalisation: the SQL functions
 *		leadflow.normalize_phone and leadflow.normalize_email, and a C
 *		entry point for other server code (triggers, scoring).
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_CONTACT_H
#define LEADFLOW_CONTACT_H

#include "phone.h"

/*
 * Normalises len bytes of raw, in the server encoding, as a phone number.
 * region NULL means the "leadflow.default_region" setting; an unsupported
 * region raises ERROR.
 */
extern void leadflow_contact_phone(const char *raw, size_t len,
								   const char *region, LeadflowPhone *out);

#endif							/* LEADFLOW_CONTACT_H */
