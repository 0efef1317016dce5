/*-------------------------------------------------------------------------
 *
 * extension/phone.cpp
 *		Phone number normalisation over libphonenumber, with Vietnam's
 *		2017 landline and 2018 mobile renumbering on top.
 *
 * libphonenumber (Debian 12 ships 8.12.57) already reads every written
 * form of a Vietnamese number leadflow sees: "+84", "0084", "84" without
 * a plus, a trunk "0" after the country code, "(0)", dots, dashes and
 * full-width digits.  Its metadata only knows the numbering plan in force,
 * so numbers written in a form retired in 2017 or 2018 parse but are
 * invalid; this file rewrites those into the current plan:
 *
 *	- mobiles: the eleven-digit prefixes 012x, 016x, 0186, 0188 and 0199
 *	  became ten-digit 07x, 08x, 03x and 05x numbers (Ministry of
 *	  Information and Communications, September to November 2018);
 *	- landlines: 59 of the 63 provinces changed area code between
 *	  February and July 2017 (decision 2036/QD-BTTTT); every new code
 *	  starts with 2.
 *
 * A number that is valid as written is kept as written: after 2018 the
 * old landline ranges of a few provinces (for example Ho Chi Minh City's
 * "08" and Quang Ninh's "033") are mobile ranges, and a bare digit string
 * cannot tell them apart.  Two cases still pick the landline reading: the
 * old area code is written in parentheses, as in "(08) 3829 1234", or the
 * number starts with 030 or 031, which no mobile network holds (Ninh Binh
 * and Hai Phong's old codes) although libphonenumber's mobile pattern
 * accepts them.
 *
 * C linkage only.  Every entry point catches all C++ exceptions, and
 * nothing here calls into PostgreSQL, so no server error can unwind
 * through C++ frames and no C++ exception can reach C.  The only shared
 * state is libphonenumber's metadata singleton, built on first use in
 * each process and read-only afterwards.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstring>
#include <string>

#include "phone.h"
#include "utf8.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

/* One renumbering rule: national digits "from" became "to". */
typedef struct PhoneVnRule
{
	const char *from;
	const char *to;
} PhoneVnRule;

/*
 * The 2018 mobile conversion.  "from" is the old national significant
 * number's first three digits (ten-digit numbers), "to" the new network
 * code (nine-digit numbers); the seven subscriber digits are kept.
 */
static const PhoneVnRule phone_vn_mobile[] = {
	/* MobiFone */
	{"120", "70"}, {"121", "79"}, {"122", "77"}, {"126", "76"},
	{"128", "78"},
	/* VinaPhone */
	{"123", "83"}, {"124", "84"}, {"125", "85"}, {"127", "81"},
	{"129", "82"},
	/* Viettel */
	{"162", "32"}, {"163", "33"}, {"164", "34"}, {"165", "35"},
	{"166", "36"}, {"167", "37"}, {"168", "38"}, {"169", "39"},
	/* Vietnamobile */
	{"186", "56"}, {"188", "58"},
	/* Gmobile */
	{"199", "59"},
};

/*
 * The 2017 landline area code change: old code to new code, subscriber
 * digits kept.  Old one- and two-digit codes carried nine-digit national
 * numbers, old three-digit codes ten-digit ones.  Vinh Phuc (211), Phu
 * Tho (210), Hoa Binh (218) and Ha Giang (219) kept their codes and are
 * absent.  The old codes form a prefix-free set.
 */
static const PhoneVnRule phone_vn_area[] = {
	/* 11 February 2017 */
	{"22", "212"},				/* Son La */
	{"231", "213"},				/* Lai Chau */
	{"20", "214"},				/* Lao Cai */
	{"230", "215"},				/* Dien Bien */
	{"29", "216"},				/* Yen Bai */
	{"52", "232"},				/* Quang Binh */
	{"53", "233"},				/* Quang Tri */
	{"54", "234"},				/* Thua Thien Hue */
	{"510", "235"},				/* Quang Nam */
	{"511", "236"},				/* Da Nang */
	{"37", "237"},				/* Thanh Hoa */
	{"38", "238"},				/* Nghe An */
	{"39", "239"},				/* Ha Tinh */
	/* 15 April 2017 */
	{"33", "203"},				/* Quang Ninh */
	{"240", "204"},				/* Bac Giang */
	{"25", "205"},				/* Lang Son */
	{"26", "206"},				/* Cao Bang */
	{"27", "207"},				/* Tuyen Quang */
	{"280", "208"},				/* Thai Nguyen */
	{"281", "209"},				/* Bac Kan */
	{"320", "220"},				/* Hai Duong */
	{"321", "221"},				/* Hung Yen */
	{"241", "222"},				/* Bac Ninh */
	{"31", "225"},				/* Hai Phong */
	{"351", "226"},				/* Ha Nam */
	{"36", "227"},				/* Thai Binh */
	{"350", "228"},				/* Nam Dinh */
	{"30", "229"},				/* Ninh Binh */
	{"780", "290"},				/* Ca Mau */
	{"781", "291"},				/* Bac Lieu */
	{"710", "292"},				/* Can Tho */
	{"711", "293"},				/* Hau Giang */
	{"74", "294"},				/* Tra Vinh */
	{"76", "296"},				/* An Giang */
	{"77", "297"},				/* Kien Giang */
	{"79", "299"},				/* Soc Trang */
	/* 17 June 2017 */
	{"4", "24"},				/* Ha Noi */
	{"8", "28"},				/* Ho Chi Minh City */
	{"61", "251"},				/* Dong Nai */
	{"62", "252"},				/* Binh Thuan */
	{"64", "254"},				/* Ba Ria - Vung Tau */
	{"55", "255"},				/* Quang Ngai */
	{"56", "256"},				/* Binh Dinh */
	{"57", "257"},				/* Phu Yen */
	{"58", "258"},				/* Khanh Hoa */
	{"68", "259"},				/* Ninh Thuan */
	{"60", "260"},				/* Kon Tum */
	{"501", "261"},				/* Dak Nong */
	{"500", "262"},				/* Dak Lak */
	{"63", "263"},				/* Lam Dong */
	{"59", "269"},				/* Gia Lai */
	{"70", "270"},				/* Vinh Long */
	{"651", "271"},				/* Binh Phuoc */
	{"72", "272"},				/* Long An */
	{"73", "273"},				/* Tien Giang */
	{"650", "274"},				/* Binh Duong */
	{"75", "275"},				/* Ben Tre */
	{"66", "276"},				/* Tay Ninh */
	{"67", "277"},				/* Dong Thap */
};

#define PHONE_LENGTHOF(a) (sizeof(a) / sizeof((a)[0]))

/*
 * phone_sanitize
 *		Copies raw into *text for libphonenumber, turning control bytes and
 *		every byte of an ill-formed UTF-8 sequence into a space: a stray
 *		0xA0 is most likely a Latin-1 no-break space between digit groups.
 *		Returns true when the input holds nothing but blanks (ASCII spaces,
 *		control characters and U+00A0); ill-formed bytes are not blank.
 */
static bool
phone_sanitize(const char *raw, size_t len, std::string *text)
{
	const unsigned char *p = (const unsigned char *) raw;
	bool		blank = true;
	size_t		i = 0;

	text->reserve(len);
	while (i < len)
	{
		size_t		seq;

		if (p[i] < 0x80)
		{
			bool		control = p[i] < 0x20 || p[i] == 0x7F;

			text->push_back(control ? ' ' : (char) p[i]);
			if (!control && p[i] != ' ')
				blank = false;
			i++;
			continue;
		}

		seq = leadflow_utf8_sequence(p + i, len - i);
		if (seq == 0)
		{
			text->push_back(' ');
			blank = false;
			i++;
			continue;
		}
		if (!(seq == 2 && p[i] == 0xC2 && p[i + 1] == 0xA0))
			blank = false;
		text->append(raw + i, seq);
		i += seq;
	}
	return blank;
}

/*
 * phone_region_code
 *		Writes the upper-case form of a two-letter region code into buf
 *		(three bytes), or "ZZ", libphonenumber's unknown region, when
 *		region is NULL or not two ASCII letters.
 */
static void
phone_region_code(const char *region, char *buf)
{
	buf[0] = 'Z';
	buf[1] = 'Z';
	buf[2] = '\0';
	if (region == NULL || region[0] == '\0' || region[1] == '\0' ||
		region[2] != '\0')
		return;
	for (int i = 0; i < 2; i++)
	{
		char		c = region[i];

		if (c >= 'a' && c <= 'z')
			c = (char) (c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
		{
			buf[0] = buf[1] = 'Z';
			return;
		}
		buf[i] = c;
	}
}

/*
 * phone_type_name
 *		leadflow's name for a libphonenumber number type.  The rarer
 *		service types (premium rate, shared cost, personal, pager, UAN,
 *		voicemail) are all "other".
 */
static const char *
phone_type_name(PhoneNumberUtil::PhoneNumberType type)
{
	switch (type)
	{
		case PhoneNumberUtil::MOBILE:
			return "mobile";
		case PhoneNumberUtil::FIXED_LINE:
			return "fixed_line";
		case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
			return "fixed_line_or_mobile";
		case PhoneNumberUtil::TOLL_FREE:
			return "toll_free";
		case PhoneNumberUtil::VOIP:
			return "voip";
		case PhoneNumberUtil::UNKNOWN:
			return "unknown";
		default:
			return "other";
	}
}

/*
 * phone_parse_problem
 *		The problem phrase for a libphonenumber parse failure.
 */
static const char *
phone_parse_problem(PhoneNumberUtil::ErrorType error)
{
	switch (error)
	{
		case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
			return "invalid country code";
		case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
		case PhoneNumberUtil::TOO_SHORT_NSN:
			return "too short";
		case PhoneNumberUtil::TOO_LONG_NSN:
			return "too long";
		default:
			return "not a number";
	}
}

/*
 * phone_invalid_problem
 *		The problem phrase for a number that parsed but is not valid,
 *		from libphonenumber's length check.
 */
static const char *
phone_invalid_problem(PhoneNumberUtil::ValidationResult result)
{
	switch (result)
	{
		case PhoneNumberUtil::INVALID_COUNTRY_CODE:
			return "invalid country code";
		case PhoneNumberUtil::TOO_SHORT:
			return "too short";
		case PhoneNumberUtil::TOO_LONG:
			return "too long";
		case PhoneNumberUtil::INVALID_LENGTH:
			return "invalid length";
		default:
			return "invalid for region";
	}
}

/*
 * phone_vn_rewrite
 *		Rewrites a Vietnamese national significant number written in a
 *		retired form into the current plan.  Returns true and sets *to and
 *		*rule_from (the old prefix that matched) when a rule applies, false
 *		when the number has no retired form.
 */
static bool
phone_vn_rewrite(const std::string &nsn, std::string *to,
				 const char **rule_from)
{
	if (nsn.size() == 10 && nsn[0] == '1')
	{
		for (size_t i = 0; i < PHONE_LENGTHOF(phone_vn_mobile); i++)
		{
			if (nsn.compare(0, 3, phone_vn_mobile[i].from) != 0)
				continue;
			*to = std::string(phone_vn_mobile[i].to) + nsn.substr(3);
			*rule_from = phone_vn_mobile[i].from;
			return true;
		}
		return false;
	}

	for (size_t i = 0; i < PHONE_LENGTHOF(phone_vn_area); i++)
	{
		const char *from = phone_vn_area[i].from;
		size_t		flen = strlen(from);

		/* Old three-digit codes had ten-digit numbers, the others nine. */
		if (nsn.size() != (flen == 3 ? 10U : 9U) ||
			nsn.compare(0, flen, from) != 0)
			continue;
		*to = std::string(phone_vn_area[i].to) + nsn.substr(flen);
		*rule_from = from;
		return true;
	}
	return false;
}

/*
 * phone_vn_written_area_code
 *		The digits of the first parenthesised group in text, without one
 *		leading trunk "0": "(08) 3829 1234" gives "8", "+84 (0) 9..." gives
 *		"".  Empty as well when the group holds anything but digits and
 *		spaces, or there is none.
 */
static std::string
phone_vn_written_area_code(const std::string &text)
{
	size_t		open = text.find('(');
	std::string digits;

	if (open == std::string::npos)
		return digits;
	for (size_t i = open + 1; i < text.size() && text[i] != ')'; i++)
	{
		if (text[i] >= '0' && text[i] <= '9')
			digits.push_back(text[i]);
		else if (text[i] != ' ')
			return std::string();
	}
	if (!digits.empty() && digits[0] == '0')
		digits.erase(0, 1);
	return digits;
}

/*
 * phone_vn_unallocated
 *		True for nine-digit national numbers starting 30 or 31: no mobile
 *		network holds 030 or 031, though libphonenumber 8.12.57's mobile
 *		pattern (3 followed by any digit) accepts them.
 */
static bool
phone_vn_unallocated(const std::string &nsn)
{
	return nsn.size() == 9 && nsn[0] == '3' && (nsn[1] == '0' || nsn[1] == '1');
}

/*
 * phone_vn_apply
 *		Applies Vietnam's renumbering in place to a parsed +84 number of
 *		type *type when it is written in a retired form: always when
 *		libphonenumber finds it invalid, and despite its validity when the
 *		old area code was written in parentheses or the range is
 *		unallocated.  The rewrite is kept only when libphonenumber accepts
 *		the result; *type follows.
 */
static void
phone_vn_apply(const PhoneNumberUtil *util, const std::string &text,
			   PhoneNumber *num, PhoneNumberUtil::PhoneNumberType *type)
{
	std::string nsn;
	std::string to;
	const char *rule_from;
	PhoneNumber candidate(*num);
	PhoneNumberUtil::PhoneNumberType candidate_type;

	util->GetNationalSignificantNumber(*num, &nsn);
	if (!phone_vn_rewrite(nsn, &to, &rule_from))
		return;
	if (*type != PhoneNumberUtil::UNKNOWN && !phone_vn_unallocated(nsn) &&
		phone_vn_written_area_code(text) != rule_from)
		return;

	candidate.set_national_number(std::stoull(to));
	candidate.clear_italian_leading_zero();
	candidate.clear_number_of_leading_zeros();
	candidate_type = util->GetNumberType(candidate);
	if (candidate_type == PhoneNumberUtil::UNKNOWN)
		return;
	*num = candidate;
	*type = candidate_type;
}

/*
 * phone_fill
 *		Fills *out from a parsed number of type type: its E.164 form,
 *		validity, type name, and the problem phrase when it is not valid.
 */
static void
phone_fill(const PhoneNumberUtil *util, const PhoneNumber &num,
		   PhoneNumberUtil::PhoneNumberType type, LeadflowPhone *out)
{
	std::string e164;

	util->Format(num, PhoneNumberUtil::E164, &e164);
	if (e164.size() >= sizeof(out->e164))
	{
		out->problem = "too long";
		return;
	}
	memcpy(out->e164, e164.c_str(), e164.size() + 1);
	out->parsed = true;
	out->valid = type != PhoneNumberUtil::UNKNOWN;
	out->number_type = phone_type_name(type);
	if (!out->valid)
		out->problem =
			phone_invalid_problem(util->IsPossibleNumberWithReason(num));
}

/*
 * phone_reset
 *		Puts *out in the "nothing read" state.
 */
static void
phone_reset(LeadflowPhone *out)
{
	out->parsed = false;
	out->valid = false;
	out->e164[0] = '\0';
	out->number_type = "unknown";
	out->problem = NULL;
}

/*
 * leadflow_phone_normalize
 *		See phone.h.  Inputs over LEADFLOW_PHONE_MAX_INPUT bytes are refused
 *		before any copy; an exception from the library (memory exhaustion)
 *		leaves *out unparsed with a problem phrase.
 */
extern "C" void
leadflow_phone_normalize(const char *raw, size_t len,
						 const char *default_region, LeadflowPhone *out)
{
	phone_reset(out);
	if (raw == NULL)
		len = 0;
	if (len > LEADFLOW_PHONE_MAX_INPUT)
	{
		out->problem = "too long";
		return;
	}

	try
	{
		const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
		std::string text;
		char		region[3];
		PhoneNumber num;
		PhoneNumberUtil::ErrorType error;
		PhoneNumberUtil::PhoneNumberType type;

		if (phone_sanitize(raw, len, &text))
		{
			out->problem = "empty";
			return;
		}

		phone_region_code(default_region, region);
		error = util->Parse(text, region, &num);
		if (error != PhoneNumberUtil::NO_PARSING_ERROR)
		{
			out->problem = phone_parse_problem(error);
			return;
		}

		/* GetNumberType is UNKNOWN exactly when IsValidNumber is false. */
		type = util->GetNumberType(num);
		if (num.country_code() == 84)
			phone_vn_apply(util, text, &num, &type);
		phone_fill(util, num, type, out);
	}
	catch (...)
	{
		phone_reset(out);
		out->problem = "could not be processed";
	}
}

/*
 * leadflow_phone_region_supported
 *		See phone.h.  "ZZ" and anything that is not two letters are not
 *		supported.
 */
extern "C" bool
leadflow_phone_region_supported(const char *region)
{
	char		code[3];

	phone_region_code(region, code);
	if (code[0] == 'Z' && code[1] == 'Z')
		return false;
	try
	{
		const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();

		return util->GetCountryCodeForRegion(code) != 0;
	}
	catch (...)
	{
		return false;
	}
}
