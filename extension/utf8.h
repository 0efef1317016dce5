/*-------------------------------------------------------------------------
 *
 * extension/utf8.h
 *		Recognising well-formed UTF-8 sequences in untrusted bytes.
 *
 * Pure C with no PostgreSQL headers; usable from C and C++.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_UTF8_H
#define LEADFLOW_UTF8_H

#include <stddef.h>

#ifdef __cplusplus
extern "C"
{
#endif

extern size_t leadflow_utf8_sequence(const unsigned char *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif							/* LEADFLOW_UTF8_H */
