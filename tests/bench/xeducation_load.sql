-- tests/bench/xeducation_load.sql: loads the X Education leads file
-- (on psql's standard input) into bench_xe.lead, one row per lead with the
-- split, the outcome, the arrival order, the channel and the attributes
-- known before Sales speaks to the lead (see the data set's README):
-- origin, source (as the channel, lower-cased so Google and google are
-- one), the do-not-contact flags, the visits, time on the site and page
-- views as numbers, country, city, specialization, occupation and the
-- marketing opt-ins.  The form default Select and empty cells are "not
-- answered": the key is left out.  Nothing Sales writes (Tags, Lead
-- Quality, Lead Profile, Last Activity, ...) is read.
--
-- Test leads: the md5 of the Prospect ID, read as a hexadecimal number,
-- is 0, 1 or 2 modulo 10.  16^k is 6 modulo 10 for every k >= 1, so the
-- number modulo 10 is the last digit plus 6 times the sum of the others.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_xe CASCADE;
CREATE SCHEMA bench_xe;
CREATE TABLE bench_xe.raw (
	prospect_id text, lead_number text, lead_origin text, lead_source text,
	do_not_email text, do_not_call text, converted text, total_visits text,
	time_on_site text, page_views text, last_activity text, country text,
	specialization text, heard_from text, occupation text,
	what_matters text, search text, magazine text, newspaper_article text,
	forums text, newspaper text, digital_ad text, recommendations text,
	receive_updates text, tags text, lead_quality text, supply_chain text,
	dm_content text, lead_profile text, city text, activity_index text,
	profile_index text, activity_score text, profile_score text,
	cheque text, free_copy text, last_notable text, empty_last text);
\copy bench_xe.raw FROM pstdin WITH (FORMAT csv, HEADER true)

CREATE FUNCTION bench_xe.answer(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT nullif(nullif(v, ''), 'Select') $$;

CREATE FUNCTION bench_xe.md5_mod10(t text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
	SELECT ((SELECT 6 * sum(('x' || substr(md5(t), i, 1))::bit(4)::integer)
			 FROM generate_series(1, 31) AS i)
			+ ('x' || substr(md5(t), 32, 1))::bit(4)::integer)::integer % 10
$$;

CREATE TABLE bench_xe.lead AS
SELECT r.prospect_id,
	row_number() OVER (ORDER BY r.lead_number::integer) AS seq,
	bench_xe.md5_mod10(r.prospect_id) < 3 AS test,
	r.converted = '1' AS converted,
	lower(bench_xe.answer(r.lead_source)) AS channel,
	jsonb_strip_nulls(jsonb_build_object(
		'origin', bench_xe.answer(r.lead_origin),
		'do_not_email', bench_xe.answer(r.do_not_email),
		'do_not_call', bench_xe.answer(r.do_not_call),
		'total_visits', bench_xe.answer(r.total_visits)::numeric,
		'time_on_site', bench_xe.answer(r.time_on_site)::numeric,
		'page_views', bench_xe.answer(r.page_views)::numeric,
		'country', bench_xe.answer(r.country),
		'city', bench_xe.answer(r.city),
		'specialization', bench_xe.answer(r.specialization),
		'occupation', bench_xe.answer(r.occupation),
		'search', bench_xe.answer(r.search),
		'magazine', bench_xe.answer(r.magazine),
		'newspaper_article', bench_xe.answer(r.newspaper_article),
		'forums', bench_xe.answer(r.forums),
		'newspaper', bench_xe.answer(r.newspaper),
		'digital_ad', bench_xe.answer(r.digital_ad),
		'recommendations', bench_xe.answer(r.recommendations),
		'receive_updates', bench_xe.answer(r.receive_updates),
		'supply_chain', bench_xe.answer(r.supply_chain),
		'dm_content', bench_xe.answer(r.dm_content),
		'cheque', bench_xe.answer(r.cheque),
		'free_copy', bench_xe.answer(r.free_copy))) AS attributes
FROM bench_xe.raw AS r;
