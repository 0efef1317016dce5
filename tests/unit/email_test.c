/*-------------------------------------------------------------------------
 *
 * tests/unit/email_test.c
 *		cmocka tests of e-mail address trimming, syntax checking and
 *		matching keys.
 *
 * Every call gets output buffers of exactly len + 1 bytes on the heap,
 * the size the interface promises to stay within.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "email.h"

/* What one call returned, in buffers the caller frees. */
typedef struct EmailResult
{
	bool		valid;
	char	   *email;
	char	   *key;
	const char *problem;
} EmailResult;

/*
 * run_email
 *		Normalises the len bytes at raw with buffers of exactly len + 1
 *		bytes.
 */
static EmailResult
run_email(const char *raw, size_t len)
{
	EmailResult r;

	r.email = malloc(len + 1);
	r.key = malloc(len + 1);
	assert_non_null(r.email);
	assert_non_null(r.key);
	r.valid = leadflow_email_normalize(raw, len, r.email, r.key, &r.problem);
	return r;
}

/*
 * expect_valid
 *		raw is valid, normalises to email and has the matching key key.
 */
static void
expect_valid(const char *raw, const char *email, const char *key)
{
	EmailResult r = run_email(raw, strlen(raw));

	if (!r.valid || r.problem != NULL || strcmp(r.email, email) != 0 ||
		strcmp(r.key, key) != 0)
	{
		print_error("\"%s\": got valid=%d \"%s\" key \"%s\" %s, expected "
					"\"%s\" key \"%s\"\n", raw, r.valid, r.email, r.key,
					r.problem ? r.problem : "-", email, key);
		fail();
	}
	free(r.email);
	free(r.key);
}

/*
 * expect_invalid
 *		raw is invalid for the reason problem, still normalises to email,
 *		and has no key.
 */
static void
expect_invalid(const char *raw, const char *email, const char *problem)
{
	EmailResult r = run_email(raw, strlen(raw));

	if (r.valid || r.problem == NULL || strcmp(r.problem, problem) != 0 ||
		strcmp(r.email, email) != 0 || r.key[0] != '\0')
	{
		print_error("\"%s\": got valid=%d \"%s\" key \"%s\" %s, expected "
					"invalid \"%s\" %s\n", raw, r.valid, r.email, r.key,
					r.problem ? r.problem : "-", email, problem);
		fail();
	}
	free(r.email);
	free(r.key);
}

/* Plain addresses: the domain is lower-cased, the local part kept. */
static void
test_plain(void **state)
{
	(void) state;
	expect_valid("john.doe@example.com", "john.doe@example.com",
				 "john.doe@example.com");
	expect_valid("John.Doe@Example.COM", "John.Doe@example.com",
				 "john.doe@example.com");
	expect_valid("JOHN@EXAMPLE.COM", "JOHN@example.com", "john@example.com");
	expect_valid("o'neil_x-y{z}@mail.example.co.uk",
				 "o'neil_x-y{z}@mail.example.co.uk",
				 "o'neil_x-y{z}@mail.example.co.uk");
	expect_valid("a@b.co", "a@b.co", "a@b.co");
	expect_valid("x@my-host1.example", "x@my-host1.example",
				 "x@my-host1.example");

	/* A "+tag" is part of the key outside Gmail. */
	expect_valid("John+Leads@Example.com", "John+Leads@example.com",
				 "john+leads@example.com");
}

/* Surrounding white space, ASCII and Unicode, is trimmed. */
static void
test_trimming(void **state)
{
	(void) state;
	expect_valid("  john@example.com \t\r\n", "john@example.com",
				 "john@example.com");
	/* U+00A0 no-break space on both sides */
	expect_valid("\xC2\xA0john@example.com\xC2\xA0", "john@example.com",
				 "john@example.com");
	/* U+3000 ideographic space, U+2009 thin space, U+202F */
	expect_valid("\xE3\x80\x80john@example.com\xE2\x80\x89\xE2\x80\xAF",
				 "john@example.com", "john@example.com");
	/* byte-order mark and zero-width space */
	expect_valid("\xEF\xBB\xBFjohn@example.com\xE2\x80\x8B",
				 "john@example.com", "john@example.com");
	/* U+2028 line separator, U+0085 next line */
	expect_valid("\xE2\x80\xA8john@example.com\xC2\x85",
				 "john@example.com", "john@example.com");

	/* zero-width joiner and word joiner */
	expect_valid("john@example.com\xE2\x80\x8D\xE2\x81\xA0",
				 "john@example.com", "john@example.com");

	/* U+2010 hyphen merely starts like a space: kept, and valid. */
	expect_valid("\xE2\x80\x90john@example.com",
				 "\xE2\x80\x90john@example.com",
				 "\xE2\x80\x90john@example.com");

	/* Inside the address a space is an error, not trimmed. */
	expect_invalid("john@exa\xE2\x80\x8Bmple.com",
				   "john@exa\xE2\x80\x8Bmple.com",
				   "invalid character in domain");
}

/* Gmail ignores dots and "+tag"; googlemail.com is the same mailbox. */
static void
test_gmail(void **state)
{
	(void) state;
	expect_valid("John.Doe+leads@Gmail.com", "John.Doe+leads@gmail.com",
				 "johndoe@gmail.com");
	expect_valid("j.o.h.n.d.o.e@gmail.com", "j.o.h.n.d.o.e@gmail.com",
				 "johndoe@gmail.com");
	expect_valid("johndoe@GoogleMail.com", "johndoe@googlemail.com",
				 "johndoe@gmail.com");
	expect_valid("\xC2\xA0John.Doe+a+b@googlemail.com ",
				 "John.Doe+a+b@googlemail.com", "johndoe@gmail.com");

	/* Nothing left of the local part: the plain key is kept. */
	expect_valid("+news@gmail.com", "+news@gmail.com", "+news@gmail.com");

	/* Other Google-looking domains are not Gmail. */
	expect_valid("john.doe+x@gmail.co", "john.doe+x@gmail.co",
				 "john.doe+x@gmail.co");
	expect_valid("john.doe@mail.gmail.com", "john.doe@mail.gmail.com",
				 "john.doe@mail.gmail.com");
}

/* Dots: never at either end of a part, never two in a row. */
static void
test_dots(void **state)
{
	(void) state;
	expect_invalid("john..doe@example.com", "john..doe@example.com",
				   "consecutive dots in local part");
	expect_invalid(".john@example.com", ".john@example.com",
				   "dot at start or end of local part");
	expect_invalid("john.@Example.com", "john.@example.com",
				   "dot at start or end of local part");
	expect_invalid("john@example..com", "john@example..com",
				   "consecutive dots in domain");
	expect_invalid("john@.example.com", "john@.example.com",
				   "dot at start or end of domain");
	expect_invalid("john@example.com.", "john@example.com.",
				   "dot at start or end of domain");
	expect_invalid("john@localhost", "john@localhost", "no dot in domain");
}

/* The "@": exactly one, with something on both sides. */
static void
test_at_sign(void **state)
{
	(void) state;
	expect_invalid("john.example.com", "john.example.com", "missing @");
	expect_invalid("John@Doe@Example.COM", "John@Doe@example.com",
				   "more than one @");
	expect_invalid("@Example.com", "@example.com", "empty local part");
	expect_invalid("john@", "john@", "empty domain");
	expect_invalid(" @ ", "@", "empty local part");
}

/* Characters outside the accepted set. */
static void
test_characters(void **state)
{
	(void) state;
	expect_invalid("john doe@example.com", "john doe@example.com",
				   "invalid character in local part");
	expect_invalid("john\xC2\xA0" "doe@example.com",
				   "john\xC2\xA0" "doe@example.com",
				   "invalid character in local part");
	expect_invalid("\"john doe\"@example.com", "\"john doe\"@example.com",
				   "invalid character in local part");
	expect_invalid("john(x)@example.com", "john(x)@example.com",
				   "invalid character in local part");
	expect_invalid("john@exa_mple.com", "john@exa_mple.com",
				   "invalid character in domain");
	expect_invalid("john@[192.0.2.1]", "john@[192.0.2.1]",
				   "invalid character in domain");
	expect_invalid("john@-example.com", "john@-example.com",
				   "hyphen at start or end of domain label");
	expect_invalid("john@example-.com", "john@example-.com",
				   "hyphen at start or end of domain label");
	expect_invalid("john@192.0.2.1", "john@192.0.2.1",
				   "invalid top-level domain");
	expect_invalid("john@example.c", "john@example.c",
				   "invalid top-level domain");
}

/* UTF-8 is accepted; bytes that are not UTF-8 are not. */
static void
test_international(void **state)
{
	(void) state;
	/* user@bücher.de: only ASCII letters change case */
	expect_valid("user@b\xC3\xBC" "cher.de", "user@b\xC3\xBC" "cher.de",
				 "user@b\xC3\xBC" "cher.de");
	expect_valid("USER@B\xC3\x9C" "CHER.DE", "USER@b\xC3\x9C" "cher.de",
				 "user@b\xC3\x9C" "cher.de");
	expect_valid("user@xn--bcher-kva.de", "user@xn--bcher-kva.de",
				 "user@xn--bcher-kva.de");
	/* nguyễn@ví-dụ.vn */
	expect_valid("nguy\xE1\xBB\x85n@v\xC3\xAD-d\xE1\xBB\xA5.vn",
				 "nguy\xE1\xBB\x85n@v\xC3\xAD-d\xE1\xBB\xA5.vn",
				 "nguy\xE1\xBB\x85n@v\xC3\xAD-d\xE1\xBB\xA5.vn");

	/* Latin-1 bytes, a lone continuation byte, a C1 control */
	expect_invalid("user@b\xFC" "cher.de", "user@b\xFC" "cher.de",
				   "invalid character in domain");
	expect_invalid("us\xE9r@Example.com", "us\xE9r@example.com",
				   "invalid character in local part");
	expect_invalid("user@ex\x80mple.com", "user@ex\x80mple.com",
				   "invalid character in domain");
	expect_invalid("user\xC2\x81@example.com", "user\xC2\x81@example.com",
				   "invalid character in local part");
}

/* Empty inputs, NUL bytes, lengths and reading no further than len. */
static void
test_edges(void **state)
{
	static char big[10240 + 1];
	EmailResult r;
	char	   *exact;
	size_t		n = sizeof(big) - 1;

	(void) state;
	expect_invalid("", "", "empty");
	expect_invalid("   \xC2\xA0\t ", "", "empty");

	r = run_email(NULL, 0);
	assert_false(r.valid);
	assert_string_equal(r.email, "");
	assert_string_equal(r.key, "");
	assert_string_equal(r.problem, "empty");
	free(r.email);
	free(r.key);

	/* An embedded NUL is a character like any other. */
	r = run_email("jo\0hn@Example.com", 17);
	assert_false(r.valid);
	assert_string_equal(r.problem, "invalid character in local part");
	assert_memory_equal(r.email, "jo\0hn@example.com", 18);
	free(r.email);
	free(r.key);

	/* Only len bytes count; the buffer has no terminator. */
	exact = malloc(16);
	assert_non_null(exact);
	memcpy(exact, "john@example.com", 16);
	r = run_email(exact, 16);
	assert_true(r.valid);
	assert_string_equal(r.email, "john@example.com");
	free(r.email);
	free(r.key);
	r = run_email("john@example.comXYZ", 16);
	assert_true(r.valid);
	assert_string_equal(r.key, "john@example.com");
	free(r.email);
	free(r.key);

	/* A trailing truncated UTF-8 sequence is not white space. */
	memcpy(exact, "john@example.c\xC2\xC2", 16);
	r = run_email(exact, 16);
	assert_false(r.valid);
	assert_string_equal(r.problem, "invalid character in domain");
	free(r.email);
	free(r.key);
	free(exact);

	/* Length limits: 64 bytes of local part, 63 per label, 253 in all. */
	memset(big, 'a', 64);
	strcpy(big + 64, "@example.com");
	expect_valid(big, big, big);
	memset(big, 'a', 65);
	strcpy(big + 65, "@example.com");
	expect_invalid(big, big, "local part too long");
	strcpy(big, "a@");
	memset(big + 2, 'b', 64);
	strcpy(big + 66, ".com");
	expect_invalid(big, big, "domain label too long");
	strcpy(big, "a@");
	for (int i = 0; i < 4; i++)
	{
		memset(big + 2 + i * 62, 'c', 61);
		big[2 + i * 62 + 61] = '.';
	}
	strcpy(big + 2 + 4 * 62, "museum");
	expect_invalid(big, big, "domain too long");

	/* 10 kB: everything is kept in the output, nothing overflows. */
	memset(big, 'a', n);
	big[n] = '\0';
	memcpy(big + n - 12, "@example.com", 12);
	r = run_email(big, n);
	assert_false(r.valid);
	assert_string_equal(r.problem, "local part too long");
	assert_int_equal(strlen(r.email), n);
	assert_string_equal(r.key, "");
	free(r.email);
	free(r.key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_trimming),
		cmocka_unit_test(test_gmail),
		cmocka_unit_test(test_dots),
		cmocka_unit_test(test_at_sign),
		cmocka_unit_test(test_characters),
		cmocka_unit_test(test_international),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
