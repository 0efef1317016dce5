
-- sql/0.1.0/15_contact.sql: phone number and e-mail address normalisation.

-- Not STRICT: a NULL region stands for the leadflow.default_region
-- setting, so only a NULL raw gives a NULL row (checked in C).  STABLE
-- because of that setting.
CREATE FUNCTION leadflow.normalize_phone(
	raw text,
	region text DEFAULT NULL,
	OUT phone text,
	OUT valid boolean,
	OUT number_type text,
	OUT problem text)
RETURNS record
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_normalize_phone';

COMMENT ON FUNCTION leadflow.normalize_phone(text, text) IS
'Reads a phone number with libphonenumber. region is a two-letter code for numbers written without a country code (NULL: the leadflow.default_region setting). Vietnamese numbers in the forms retired in 2017 (landline area codes) and 2018 (11-digit mobiles) are rewritten into the current plan. Returns phone (E.164, NULL when nothing could be read), valid, number_type (mobile, fixed_line, fixed_line_or_mobile, toll_free, voip, other, unknown) and problem (NULL when valid).';

CREATE FUNCTION leadflow.normalize_email(
	raw text,
	OUT email text,
	OUT valid boolean,
	OUT match_key text,
	OUT problem text)
RETURNS record
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_normalize_email';

COMMENT ON FUNCTION leadflow.normalize_email(text) IS
'Trims an e-mail address (also of no-break and other Unicode spaces), lower-cases its domain and checks its syntax. Returns email (kept even when invalid), valid, match_key (NULL when invalid: the address lower-cased; for gmail.com and googlemail.com without dots and +tag in the local part, under gmail.com) and problem (NULL when valid).';
