/*-------------------------------------------------------------------------
 *
 * tests/unit/phone_test.c
 *		cmocka tests of the phone number wrapper over libphonenumber and
 *		its Vietnamese renumbering rules.
 *
 * Expected values come from the published renumbering tables (the 2018
 * mobile conversion and the 2017 area code change, written out here in
 * province order, independently of the code's own tables) and from
 * reading E.164 by hand: "+", country code, national number without
 * the trunk "0".
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

#include "phone.h"

/*
 * expect_phone
 *		Normalises raw under region and checks the outcome: a valid number
 *		with the given E.164 form and type when e164 is not NULL, otherwise
 *		an unparsed input with the given problem.
 */
static void
expect_phone(const char *raw, const char *region, const char *e164,
			 const char *type, const char *problem)
{
	LeadflowPhone p;

	leadflow_phone_normalize(raw, strlen(raw), region, &p);
	if (e164 != NULL &&
		(!p.parsed || !p.valid || strcmp(p.e164, e164) != 0 ||
		 strcmp(p.number_type, type) != 0 || p.problem != NULL))
	{
		print_error("\"%s\" (%s): got parsed=%d valid=%d \"%s\" %s %s, "
					"expected \"%s\" %s\n", raw, region ? region : "NULL",
					p.parsed, p.valid, p.e164, p.number_type,
					p.problem ? p.problem : "-", e164, type);
		fail();
	}
	if (e164 == NULL &&
		(p.parsed || p.valid || p.e164[0] != '\0' ||
		 p.problem == NULL || strcmp(p.problem, problem) != 0))
	{
		print_error("\"%s\": got parsed=%d \"%s\" problem %s, expected %s\n",
					raw, p.parsed, p.e164, p.problem ? p.problem : "-",
					problem);
		fail();
	}
}

/*
 * expect_invalid
 *		Normalises raw under region and checks that it was read but is not
 *		valid, with the given E.164 form and problem.
 */
static void
expect_invalid(const char *raw, const char *region, const char *e164,
			   const char *problem)
{
	LeadflowPhone p;

	leadflow_phone_normalize(raw, strlen(raw), region, &p);
	if (!p.parsed || p.valid || strcmp(p.e164, e164) != 0 ||
		p.problem == NULL || strcmp(p.problem, problem) != 0 ||
		strcmp(p.number_type, "unknown") != 0)
	{
		print_error("\"%s\": got parsed=%d valid=%d \"%s\" %s, expected "
					"invalid \"%s\" %s\n", raw, p.parsed, p.valid, p.e164,
					p.problem ? p.problem : "-", e164, problem);
		fail();
	}
}

/* Current Vietnamese mobiles, one per network code family. */
static void
test_vn_current_mobiles(void **state)
{
	(void) state;
	expect_phone("0912345678", "VN", "+84912345678", "mobile", NULL);
	expect_phone("0981 234 567", "VN", "+84981234567", "mobile", NULL);
	expect_phone("0321234567", "VN", "+84321234567", "mobile", NULL);
	expect_phone("070 123 4567", "VN", "+84701234567", "mobile", NULL);
	expect_phone("0831234567", "VN", "+84831234567", "mobile", NULL);
	expect_phone("0561234567", "VN", "+84561234567", "mobile", NULL);
	expect_phone("0591234567", "VN", "+84591234567", "mobile", NULL);
}

/*
 * Every eleven-digit prefix of the 2018 conversion, in national form:
 * 0 + old three-digit code + 7 subscriber digits becomes +84, the new
 * two-digit code and the same 7 digits.
 */
static void
test_vn_old_mobiles(void **state)
{
	static const char *const table[][2] = {
		/* MobiFone */
		{"120", "70"}, {"121", "79"}, {"122", "77"}, {"126", "76"},
		{"128", "78"},
		/* VinaPhone */
		{"123", "83"}, {"124", "84"}, {"125", "85"}, {"127", "81"},
		{"129", "82"},
		/* Viettel */
		{"162", "32"}, {"163", "33"}, {"164", "34"}, {"165", "35"},
		{"166", "36"}, {"167", "37"}, {"168", "38"}, {"169", "39"},
		/* Vietnamobile, Gmobile */
		{"186", "56"}, {"188", "58"}, {"199", "59"},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
	{
		char		raw[32];
		char		e164[32];

		snprintf(raw, sizeof(raw), "0%s 765 4321", table[i][0]);
		snprintf(e164, sizeof(e164), "+84%s7654321", table[i][1]);
		expect_phone(raw, "VN", e164, "mobile", NULL);

		/* The same number written internationally, with any region. */
		snprintf(raw, sizeof(raw), "+84 %s 765 4321", table[i][0]);
		expect_phone(raw, "US", e164, "mobile", NULL);
	}
}

/* The ways of writing the country code and trunk prefix all agree. */
static void
test_vn_prefix_forms(void **state)
{
	static const char *const forms[] = {
		"+84912345678", "+84 912 345 678", "0084 912 345 678",
		"0084912345678", "84 912 345 678", "84912345678",
		"+84 0912 345 678", "+840912345678", "+84 (0) 912 345 678",
		"0912.345.678", "0912-345-678", "(091) 234-5678",
		"tel:+84-91-234-5678",
		/* full-width digits */
		"\xEF\xBC\x90\xEF\xBC\x99\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93"
		"\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97\xEF\xBC\x98",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		expect_phone(forms[i], "VN", "+84912345678", "mobile", NULL);

	/* Old mobiles behind each prefix form. */
	expect_phone("+84 162 765 4321", "VN", "+84327654321", "mobile", NULL);
	expect_phone("0084 162 765 4321", "VN", "+84327654321", "mobile", NULL);
	expect_phone("84 162 765 4321", "VN", "+84327654321", "mobile", NULL);
	expect_phone("+84 0162 765 4321", "VN", "+84327654321", "mobile", NULL);
	expect_phone("+84 (0) 162 765 4321", "VN", "+84327654321", "mobile",
				 NULL);

	/* Old landlines too. */
	expect_phone("+84 4 3826 1234", "VN", "+842438261234", "fixed_line",
				 NULL);
	expect_phone("0084 4 3826 1234", "VN", "+842438261234", "fixed_line",
				 NULL);
	expect_phone("+84 (0)4 3826 1234", "DE", "+842438261234", "fixed_line",
				 NULL);
}

/*
 * The 2017 area code change, all 59 provinces that changed, in province
 * order.  Written with the old code in parentheses, every one converts,
 * including those whose old range is a mobile range today.  Old one-digit
 * codes (Ha Noi, Ho Chi Minh City) had 8 subscriber digits, the others 7.
 */
static void
test_vn_all_area_codes(void **state)
{
	static const char *const table[][2] = {
		{"76", "296"},			/* An Giang */
		{"64", "254"},			/* Ba Ria - Vung Tau */
		{"240", "204"},			/* Bac Giang */
		{"281", "209"},			/* Bac Kan */
		{"781", "291"},			/* Bac Lieu */
		{"241", "222"},			/* Bac Ninh */
		{"75", "275"},			/* Ben Tre */
		{"56", "256"},			/* Binh Dinh */
		{"650", "274"},			/* Binh Duong */
		{"651", "271"},			/* Binh Phuoc */
		{"62", "252"},			/* Binh Thuan */
		{"780", "290"},			/* Ca Mau */
		{"710", "292"},			/* Can Tho */
		{"26", "206"},			/* Cao Bang */
		{"511", "236"},			/* Da Nang */
		{"500", "262"},			/* Dak Lak */
		{"501", "261"},			/* Dak Nong */
		{"230", "215"},			/* Dien Bien */
		{"61", "251"},			/* Dong Nai */
		{"67", "277"},			/* Dong Thap */
		{"59", "269"},			/* Gia Lai */
		{"351", "226"},			/* Ha Nam */
		{"4", "24"},			/* Ha Noi */
		{"39", "239"},			/* Ha Tinh */
		{"320", "220"},			/* Hai Duong */
		{"31", "225"},			/* Hai Phong */
		{"711", "293"},			/* Hau Giang */
		{"8", "28"},			/* Ho Chi Minh City */
		{"321", "221"},			/* Hung Yen */
		{"58", "258"},			/* Khanh Hoa */
		{"77", "297"},			/* Kien Giang */
		{"60", "260"},			/* Kon Tum */
		{"231", "213"},			/* Lai Chau */
		{"63", "263"},			/* Lam Dong */
		{"25", "205"},			/* Lang Son */
		{"20", "214"},			/* Lao Cai */
		{"72", "272"},			/* Long An */
		{"350", "228"},			/* Nam Dinh */
		{"38", "238"},			/* Nghe An */
		{"30", "229"},			/* Ninh Binh */
		{"68", "259"},			/* Ninh Thuan */
		{"57", "257"},			/* Phu Yen */
		{"52", "232"},			/* Quang Binh */
		{"510", "235"},			/* Quang Nam */
		{"55", "255"},			/* Quang Ngai */
		{"33", "203"},			/* Quang Ninh */
		{"53", "233"},			/* Quang Tri */
		{"79", "299"},			/* Soc Trang */
		{"22", "212"},			/* Son La */
		{"66", "276"},			/* Tay Ninh */
		{"36", "227"},			/* Thai Binh */
		{"280", "208"},			/* Thai Nguyen */
		{"37", "237"},			/* Thanh Hoa */
		{"54", "234"},			/* Thua Thien Hue */
		{"73", "273"},			/* Tien Giang */
		{"74", "294"},			/* Tra Vinh */
		{"27", "207"},			/* Tuyen Quang */
		{"70", "270"},			/* Vinh Long */
		{"29", "216"},			/* Yen Bai */
	};

	(void) state;
	assert_int_equal(sizeof(table) / sizeof(table[0]), 59);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
	{
		const char *sub = strlen(table[i][0]) == 1 ? "38261234" : "3822222";
		char		raw[40];
		char		e164[32];

		snprintf(raw, sizeof(raw), "(0%s) %s", table[i][0], sub);
		snprintf(e164, sizeof(e164), "+84%s%s", table[i][1], sub);
		expect_phone(raw, "VN", e164, "fixed_line", NULL);

		/* The new form is read as it stands. */
		snprintf(raw, sizeof(raw), "0%s %s", table[i][1], sub);
		expect_phone(raw, "VN", e164, "fixed_line", NULL);
	}
}

/*
 * Old landlines written without parentheses convert when the old form is
 * not a number of today's plan; the ones that are stay what they are now.
 */
static void
test_vn_bare_old_landlines(void **state)
{
	(void) state;
	expect_phone("04 3826 1234", "VN", "+842438261234", "fixed_line", NULL);
	expect_phone("0511 382 2222", "VN", "+842363822222", "fixed_line", NULL);
	expect_phone("0650 382 2222", "VN", "+842743822222", "fixed_line", NULL);
	expect_phone("0710 382 2222", "VN", "+842923822222", "fixed_line", NULL);
	expect_phone("020 382 2222", "VN", "+842143822222", "fixed_line", NULL);
	expect_phone("061 382 2222", "VN", "+842513822222", "fixed_line", NULL);
	expect_phone("072 382 2222", "VN", "+842723822222", "fixed_line", NULL);
	expect_phone("0241 382 2222", "VN", "+842223822222", "fixed_line", NULL);

	/* 030 and 031 belong to no mobile network: Ninh Binh, Hai Phong. */
	expect_phone("031 382 2222", "VN", "+842253822222", "fixed_line", NULL);
	expect_phone("030 382 2222", "VN", "+842293822222", "fixed_line", NULL);

	/* Ho Chi Minh City's and Quang Ninh's old ranges are mobiles now. */
	expect_phone("08 3829 1234", "VN", "+84838291234", "mobile", NULL);
	expect_phone("033 382 2222", "VN", "+84333822222", "mobile", NULL);

	/* Four provinces kept their codes. */
	expect_phone("0210 382 2222", "VN", "+842103822222", "fixed_line", NULL);
	expect_phone("0211 382 2222", "VN", "+842113822222", "fixed_line", NULL);
	expect_phone("0218 382 2222", "VN", "+842183822222", "fixed_line", NULL);
	expect_phone("0219 382 2222", "VN", "+842193822222", "fixed_line", NULL);

	/* A wrong length matches no old form and stays invalid. */
	expect_invalid("0511 382 222", "VN", "+84511382222", "invalid for region");
}

/* Foreign numbers, written internationally or under their own region. */
static void
test_foreign_numbers(void **state)
{
	(void) state;
	expect_phone("+1 650-253-0000", "VN", "+16502530000",
				 "fixed_line_or_mobile", NULL);
	expect_phone("(650) 253-0000", "US", "+16502530000",
				 "fixed_line_or_mobile", NULL);
	expect_phone("+49 30 901820", "VN", "+4930901820", "fixed_line", NULL);
	expect_phone("030 901820", "DE", "+4930901820", "fixed_line", NULL);
	expect_phone("+49 1512 3456789", "VN", "+4915123456789", "mobile", NULL);
	expect_phone("01512 3456789", "de", "+4915123456789", "mobile", NULL);
	expect_phone("+91 98765 43210", "VN", "+919876543210", "mobile", NULL);
	expect_phone("098765 43210", "IN", "+919876543210", "mobile", NULL);
	expect_phone("+55 11 91234-5678", "VN", "+5511912345678", "mobile", NULL);
	expect_phone("(11) 91234-5678", "BR", "+5511912345678", "mobile", NULL);
	expect_phone("+800 1234 5678", "VN", "+80012345678", "toll_free", NULL);

	/* Under VN a German national number is a (too short) VN number. */
	expect_invalid("030 901820", "VN", "+8430901820", "invalid for region");

	/*
	 * Under VN, a US number without "+1" reads as an old Binh Duong
	 * landline (0650): region matters for national forms.
	 */
	expect_phone("(650) 253-0000", "VN", "+842742530000", "fixed_line", NULL);

	/* A Vietnamese national form under another region is not Vietnamese. */
	expect_invalid("0162 765 4321", "US", "+101627654321", "too long");
}

/* Region codes: two letters, either case, known to libphonenumber. */
static void
test_regions(void **state)
{
	(void) state;
	assert_true(leadflow_phone_region_supported("VN"));
	assert_true(leadflow_phone_region_supported("vn"));
	assert_true(leadflow_phone_region_supported("Us"));
	assert_true(leadflow_phone_region_supported("BR"));
	assert_false(leadflow_phone_region_supported("ZZ"));
	assert_false(leadflow_phone_region_supported("XX"));
	assert_false(leadflow_phone_region_supported(""));
	assert_false(leadflow_phone_region_supported(NULL));
	assert_false(leadflow_phone_region_supported("VNM"));
	assert_false(leadflow_phone_region_supported("V"));
	assert_false(leadflow_phone_region_supported("001"));
	assert_false(leadflow_phone_region_supported("V\xC3"));

	/* Without a usable region only international forms are read. */
	expect_phone("+84 912 345 678", NULL, "+84912345678", "mobile", NULL);
	expect_phone("0912 345 678", NULL, NULL, NULL, "invalid country code");
	expect_phone("0912 345 678", "XX", NULL, NULL, "invalid country code");
	expect_phone("0912 345 678", "VNM", NULL, NULL, "invalid country code");
}

/* Things that are not phone numbers. */
static void
test_garbage(void **state)
{
	LeadflowPhone p;

	(void) state;
	expect_phone("", "VN", NULL, NULL, "empty");
	expect_phone("   ", "VN", NULL, NULL, "empty");
	expect_phone("\t\r\n", "VN", NULL, NULL, "empty");
	expect_phone(" \xC2\xA0 ", "VN", NULL, NULL, "empty");
	expect_phone("abc", "VN", NULL, NULL, "not a number");
	expect_phone("n/a", "VN", NULL, NULL, "not a number");
	expect_phone("+", "VN", NULL, NULL, "not a number");
	expect_phone("+999 1234 5678", "VN", NULL, NULL, "invalid country code");
	expect_invalid("12", "VN", "+8412", "too short");
	expect_invalid("0912 345 678 901", "VN", "+84912345678901", "too long");

	/* NULL with length 0 is the empty input. */
	leadflow_phone_normalize(NULL, 0, "VN", &p);
	assert_false(p.parsed);
	assert_string_equal(p.problem, "empty");
	assert_string_equal(p.number_type, "unknown");
}

/* Long inputs are refused before any work; the limit itself is read. */
static void
test_long_input(void **state)
{
	size_t		big = 10240;
	char	   *digits = malloc(big);
	LeadflowPhone p;

	(void) state;
	assert_non_null(digits);
	memset(digits, '9', big);
	leadflow_phone_normalize(digits, big, "VN", &p);
	assert_false(p.parsed);
	assert_false(p.valid);
	assert_string_equal(p.e164, "");
	assert_string_equal(p.problem, "too long");

	/* A number padded with spaces up to the limit is still read. */
	memset(digits, ' ', LEADFLOW_PHONE_MAX_INPUT);
	memcpy(digits, "0912345678", 10);
	leadflow_phone_normalize(digits, LEADFLOW_PHONE_MAX_INPUT, "VN", &p);
	assert_true(p.valid);
	assert_string_equal(p.e164, "+84912345678");

	leadflow_phone_normalize(digits, LEADFLOW_PHONE_MAX_INPUT + 1, "VN", &p);
	assert_false(p.parsed);
	assert_string_equal(p.problem, "too long");
	free(digits);
}

/* Bytes that are not UTF-8, NULs and reading no further than len. */
static void
test_raw_bytes(void **state)
{
	unsigned char high[128];
	char	   *exact;
	LeadflowPhone p;

	(void) state;
	for (int i = 0; i < 128; i++)
		high[i] = (unsigned char) (0x80 + i);
	leadflow_phone_normalize((const char *) high, sizeof(high), "VN", &p);
	assert_false(p.parsed);
	assert_string_equal(p.problem, "not a number");

	/* Ill-formed bytes and NULs separate digit groups like spaces. */
	expect_phone("0912\xA0" "345\xFF" "678", "VN", "+84912345678", "mobile",
				 NULL);
	leadflow_phone_normalize("0912\0" "345678", 11, "VN", &p);
	assert_true(p.valid);
	assert_string_equal(p.e164, "+84912345678");

	/* Only len bytes count, and nothing past them is read. */
	leadflow_phone_normalize("0912345678999", 10, "VN", &p);
	assert_true(p.valid);
	assert_string_equal(p.e164, "+84912345678");
	exact = malloc(10);
	assert_non_null(exact);
	memcpy(exact, "0912345678", 10);
	leadflow_phone_normalize(exact, 10, "VN", &p);
	assert_true(p.valid);
	assert_string_equal(p.e164, "+84912345678");

	/* A truncated UTF-8 sequence at the very end. */
	memcpy(exact, "091234567\xEF", 10);
	leadflow_phone_normalize(exact, 10, "VN", &p);
	assert_true(p.parsed);
	assert_string_equal(p.e164, "+8491234567");
	free(exact);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vn_current_mobiles),
		cmocka_unit_test(test_vn_old_mobiles),
		cmocka_unit_test(test_vn_prefix_forms),
		cmocka_unit_test(test_vn_all_area_codes),
		cmocka_unit_test(test_vn_bare_old_landlines),
		cmocka_unit_test(test_foreign_numbers),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_long_input),
		cmocka_unit_test(test_raw_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
