/*-------------------------------------------------------------------------
 *
 * extension/utf8.c
 *		Recognising well-formed UTF-8 sequences in untrusted bytes, for
 *		the phone and e-mail normalisers, which read input byte by byte.
 *
 * Stateless; no PostgreSQL headers.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "utf8.h"

/*
 * leadflow_utf8_sequence
 *		Length of the well-formed UTF-8 sequence of two to four bytes that
 *		starts at p (n bytes available), or 0 when there is none: stray
 *		continuation bytes, overlong forms, surrogates and code points past
 *		U+10FFFF all count as ill-formed.
 */
size_t
leadflow_utf8_sequence(const unsigned char *p, size_t n)
{
	size_t		need;
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;

	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		need = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
	{
		need = 3;
		if (p[0] == 0xE0)
			lo = 0xA0;
		else if (p[0] == 0xED)
			hi = 0x9F;
	}
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
	{
		need = 4;
		if (p[0] == 0xF0)
			lo = 0x90;
		else if (p[0] == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;

	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return need;
}
