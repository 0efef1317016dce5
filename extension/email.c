/*-------------------------------------------------------------------------
 *
 * extension/email.c
 *		E-mail address normalisation: trimming, a syntax check and a
 *		matching key for finding duplicate leads.
 *
 * The syntax accepted is the practical subset of RFC 5321/5322 that
 * sign-up forms produce, with RFC 6531's UTF-8 allowed in both parts:
 * one "@", an unquoted dot-atom local part of at most 64 bytes, and a
 * host name of at most 253 bytes with at least two labels.  Quoted local
 * parts, comments and address literals ("[192.0.2.1]") are refused; they
 * do not occur in lead data and would make the key ambiguous.  Only ASCII
 * letters change case: non-ASCII bytes are copied unchanged.
 *
 * Pure C, no PostgreSQL headers, no state.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "email.h"
#include "utf8.h"

#define EMAIL_MAX_LOCAL 64
#define EMAIL_MAX_DOMAIN 253
#define EMAIL_MAX_LABEL 63

/*
 * email_space_length
 *		Length of the white-space character at p (n bytes available), or 0
 *		when p does not start with one.  Knows ASCII white space, U+0085,
 *		U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F,
 *		U+3000, and the invisible characters that copying and pasting
 *		leave behind: U+200B to U+200D, U+2060 and the byte-order mark
 *		U+FEFF, all in UTF-8.
 */
static size_t
email_space_length(const unsigned char *p, size_t n)
{
	if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		return 1;
	if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
		return 2;
	if (n < 3)
		return 0;
	if (p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80)
		return 3;
	if (p[0] == 0xE2 && p[1] == 0x80 &&
		((p[2] >= 0x80 && p[2] <= 0x8D) ||
		 p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF))
		return 3;
	if (p[0] == 0xE2 && p[1] == 0x81 && (p[2] == 0x9F || p[2] == 0xA0))
		return 3;
	if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return 3;
	return 0;
}

/*
 * email_utf8_length
 *		Length of the well-formed UTF-8 sequence of two to four bytes at p
 *		(n bytes available) encoding a printable character from U+00A0 up,
 *		or 0: ill-formed bytes, C1 controls, surrogates and overlong forms
 *		are not characters an address may hold.
 */
static size_t
email_utf8_length(const unsigned char *p, size_t n)
{
	size_t		seq = leadflow_utf8_sequence(p, n);

	/* U+0080..U+009F are C1 control characters. */
	if (seq == 2 && p[0] == 0xC2 && p[1] < 0xA0)
		return 0;
	return seq;
}

/*
 * email_trim
 *		Finds the address inside raw without surrounding white space.
 *		Sets *start and returns the trimmed length.
 */
static size_t
email_trim(const unsigned char *raw, size_t len, size_t *start)
{
	size_t		i = 0;
	size_t		end;

	while (i < len)
	{
		size_t		sp = email_space_length(raw + i, len - i);

		if (sp == 0)
			break;
		i += sp;
	}
	*start = i;

	/* Walk forward so multi-byte spaces are recognised from their start. */
	end = i;
	while (i < len)
	{
		size_t		sp = email_space_length(raw + i, len - i);

		if (sp > 0)
			i += sp;
		else
			end = ++i;
	}
	return end - *start;
}

/*
 * email_ascii_lower
 *		Lower-cases the ASCII letters of s[0..n) in place.
 */
static void
email_ascii_lower(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char) (s[i] - 'A' + 'a');
}

/*
 * email_chars_ok
 *		True when s[0..n) holds only characters allowed in the local part
 *		(is_local) or in a host name, plus well-formed non-space UTF-8.
 */
static bool
email_chars_ok(const char *s, size_t n, bool is_local)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < n)
	{
		unsigned char c = p[i];
		size_t		seq;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '-')
		{
			i++;
			continue;
		}
		if (c < 0x80)
		{
			/* RFC 5322 "atext" punctuation, in the local part only */
			if (!is_local || c == '\0' ||
				strchr("!#$%&'*+/=?^_`{|}~", c) == NULL)
				return false;
			i++;
			continue;
		}
		seq = email_utf8_length(p + i, n - i);
		if (seq == 0 || email_space_length(p + i, n - i) > 0)
			return false;
		i += seq;
	}
	return true;
}

/*
 * email_dots_problem
 *		The problem with the dots of the non-empty part s[0..n), or NULL:
 *		a dot at either end or two dots in a row.  is_local picks the
 *		phrase.
 */
static const char *
email_dots_problem(const char *s, size_t n, bool is_local)
{
	if (s[0] == '.' || s[n - 1] == '.')
		return is_local ? "dot at start or end of local part" :
			"dot at start or end of domain";
	for (size_t i = 1; i < n; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return is_local ? "consecutive dots in local part" :
				"consecutive dots in domain";
	return NULL;
}

/*
 * email_domain_problem
 *		The problem with a host name (already lower-cased, non-empty, its
 *		characters and dots checked), or NULL: it needs two labels or more,
 *		labels of at most 63 bytes that neither start nor end with a
 *		hyphen, and a top-level label of two characters or more that is not
 *		all digits.
 */
static const char *
email_domain_problem(const char *d, size_t n)
{
	size_t		label = 0;
	size_t		last = 0;
	bool		digits_only = true;

	if (memchr(d, '.', n) == NULL)
		return "no dot in domain";
	for (size_t i = 0; i <= n; i++)
	{
		if (i < n && d[i] != '.')
			continue;
		if (i - label > EMAIL_MAX_LABEL)
			return "domain label too long";
		if (d[label] == '-' || d[i - 1] == '-')
			return "hyphen at start or end of domain label";
		last = label;
		label = i + 1;
	}

	for (size_t i = last; i < n; i++)
		if (d[i] < '0' || d[i] > '9')
			digits_only = false;
	if (n - last < 2 || digits_only)
		return "invalid top-level domain";
	return NULL;
}

/*
 * email_problem
 *		Checks the trimmed address s[0..n), whose part after the last "@"
 *		is already lower-cased.  Returns the problem phrase, or NULL when
 *		the address is valid; sets *at to the position of the "@".
 */
static const char *
email_problem(const char *s, size_t n, size_t *at)
{
	const char *first = memchr(s, '@', n);
	size_t		local_len;
	size_t		domain_len;
	const char *domain;
	const char *problem;

	if (n == 0)
		return "empty";
	if (first == NULL)
		return "missing @";
	if (memchr(first + 1, '@', n - (first + 1 - s)) != NULL)
		return "more than one @";
	*at = first - s;
	local_len = *at;
	domain = first + 1;
	domain_len = n - local_len - 1;

	if (local_len == 0)
		return "empty local part";
	if (domain_len == 0)
		return "empty domain";
	if (local_len > EMAIL_MAX_LOCAL)
		return "local part too long";
	if (domain_len > EMAIL_MAX_DOMAIN)
		return "domain too long";
	if (!email_chars_ok(s, local_len, true))
		return "invalid character in local part";
	if (!email_chars_ok(domain, domain_len, false))
		return "invalid character in domain";
	if ((problem = email_dots_problem(s, local_len, true)) != NULL)
		return problem;
	if ((problem = email_dots_problem(domain, domain_len, false)) != NULL)
		return problem;
	return email_domain_problem(domain, domain_len);
}

/*
 * email_last_at
 *		Position of the last "@" in s[0..n), or n when there is none.
 *		Works on bytes, so an embedded NUL does not hide an "@".
 */
static size_t
email_last_at(const char *s, size_t n)
{
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == '@')
			return i - 1;
	return n;
}

/*
 * email_make_key
 *		Writes the matching key of the valid address s[0..n) with its "@"
 *		at position at: the address lower-cased, and for Gmail addresses
 *		the local part without dots and without a "+tag", under
 *		"gmail.com".  A Gmail local part left empty by that (as in
 *		"+news@gmail.com") keeps the plain lower-cased key.
 */
static void
email_make_key(const char *s, size_t n, size_t at, char *key)
{
	const char *domain = s + at + 1;
	size_t		domain_len = n - at - 1;
	size_t		k = 0;

	memcpy(key, s, n);
	key[n] = '\0';
	email_ascii_lower(key, n);

	if (!((domain_len == 9 && memcmp(domain, "gmail.com", 9) == 0) ||
		  (domain_len == 14 && memcmp(domain, "googlemail.com", 14) == 0)))
		return;

	for (size_t i = 0; i < at && key[i] != '+'; i++)
		if (key[i] != '.')
			key[k++] = key[i];
	if (k == 0)
	{
		memcpy(key, s, n);
		email_ascii_lower(key, n);
		return;
	}
	memcpy(key + k, "@gmail.com", sizeof("@gmail.com"));
}

/*
 * leadflow_email_normalize
 *		See email.h.
 */
bool
leadflow_email_normalize(const char *raw, size_t len, char *email_out,
						 char *key_out, const char **problem)
{
	size_t		start = 0;
	size_t		n;
	size_t		at = 0;
	size_t		last_at;

	if (raw == NULL)
		len = 0;
	n = email_trim((const unsigned char *) raw, len, &start);
	if (n > 0)
		memcpy(email_out, raw + start, n);
	email_out[n] = '\0';
	key_out[0] = '\0';

	/* The domain is case-insensitive; the local part is the owner's. */
	last_at = email_last_at(email_out, n);
	if (last_at < n)
		email_ascii_lower(email_out + last_at + 1, n - last_at - 1);

	*problem = email_problem(email_out, n, &at);
	if (*problem != NULL)
		return false;
	email_make_key(email_out, n, at, key_out);
	return true;
}
