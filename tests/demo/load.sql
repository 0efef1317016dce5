-- tests/demo/load.sql: loads one of the two public lead data sets of
-- ../shared/data into leadflow, through the ordinary write path: leads are
-- INSERTed and moved through their stages with UPDATE, so leadflow's
-- triggers normalise, score and time them as they would an application's.
--
--   LEADFLOW_DATA=/path/to/data psql -v data_set=olist -f load.sql
--   LEADFLOW_DATA=/path/to/data psql -v data_set=xeducation -f load.sql
--
-- Each data set goes into a database of its own, as two companies' CRMs
-- would: the score learns from the won rates of the database it runs in.
-- psql reads the files (so they need only be readable by whoever runs
-- it) and PostgreSQL's COPY parses them as CSV into staging tables of
-- text columns; every value is then read with PostgreSQL's own functions.
-- A damaged value is stored and flagged, never dropped: the lead keeps it
-- in attributes->'input_issues' as {"field", "raw", "issue", "read_as"}.
-- (leadflow.lead.flags is recomputed by leadflow's trigger on every
-- write, so an importer's own findings cannot go there.)
--
-- Shared by `make demo` (tests/demo/run.sh) and the worker test
-- tests/worker/t/030_demo_data.pl.  leadflow_demo.accounting tells, per
-- file, how many rows were read and how many are stored.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE SCHEMA leadflow_demo;
COMMENT ON SCHEMA leadflow_demo IS
'The demo''s staging tables, mappings and loaders (tests/demo/load.sql).';

-- One finding about an input value, as kept in attributes->'input_issues'.
CREATE FUNCTION leadflow_demo.issue(field text, raw text, issue text,
									read_as text DEFAULT NULL)
RETURNS jsonb LANGUAGE sql IMMUTABLE
RETURN jsonb_strip_nulls(jsonb_build_object('field', field, 'raw', raw,
											'issue', issue,
											'read_as', read_as));

-- A day-first date or date-time (DD-MM-YYYY, DD-MM-YYYY HH24:MI) read in
-- the session's time zone; NULL when the text is not exactly such a date.
-- to_timestamp() alone would roll 31-02 over into March: the value must
-- print back to the same text.
CREATE FUNCTION leadflow_demo.read_day_first(raw text, format text)
RETURNS timestamptz LANGUAGE plpgsql STABLE
AS $$
DECLARE
	t timestamptz;
BEGIN
	IF raw !~ '^\d\d-\d\d-\d{4}( \d\d:\d\d)?$' THEN
		RETURN NULL;
	END IF;
	t := to_timestamp(raw, format);
	IF to_char(t, format) <> raw THEN
		RETURN NULL;
	END IF;
	RETURN t;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
	RETURN NULL;
END
$$;

-- A numeric range that a spreadsheet turned into a date ("01-May" was
-- 1-5, "May-20" was 5-20) read back as the range; NULL for anything else.
CREATE FUNCTION leadflow_demo.read_month_range(raw text)
RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE
	WHEN raw ~ '^\d{1,2}-[A-Za-z]{3}$' THEN
		ltrim(split_part(raw, '-', 1), '0') || '-' ||
		to_char(to_date(split_part(raw, '-', 2), 'Mon'), 'FMMM')
	WHEN raw ~ '^[A-Za-z]{3}-\d{1,2}$' THEN
		to_char(to_date(split_part(raw, '-', 1), 'Mon'), 'FMMM') || '-' ||
		ltrim(split_part(raw, '-', 2), '0')
	END;

-- Rows read from each file (what COPY read), for the accounting.
CREATE TABLE leadflow_demo.file_read (
	file text PRIMARY KEY,
	rows_read bigint NOT NULL
);

-- ---------------------------------------------------------------------
-- Olist marketing funnel
-- ---------------------------------------------------------------------

CREATE TABLE leadflow_demo.olist_mql_raw (
	row_no integer GENERATED ALWAYS AS IDENTITY,
	mql_id text,
	first_contact_date text,
	landing_page_id text,
	origin text
);

CREATE TABLE leadflow_demo.olist_deal_raw (
	row_no integer GENERATED ALWAYS AS IDENTITY,
	mql_id text,
	seller_id text,
	sdr_id text,
	sr_id text,
	won_date text,
	business_segment text,
	lead_type text,
	lead_behaviour_profile text,
	has_company text,
	has_gtin text,
	average_stock text,
	business_type text,
	declared_product_catalog_size text,
	declared_monthly_revenue text
);

-- São Paulo's business calendar for the Olist reps: weekdays 08:00-12:00
-- and 13:00-18:00, national holidays, and São Paulo's own (25 January,
-- 9 July, 20 November) for the years of the data.
CREATE PROCEDURE leadflow_demo.olist_organisation()
LANGUAGE plpgsql
AS $$
DECLARE
	cal integer;
	team integer;
BEGIN
	INSERT INTO leadflow.calendar (name, time_zone)
	VALUES ('Olist São Paulo office', 'America/Sao_Paulo')
	RETURNING calendar_id INTO cal;
	INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
	SELECT cal, d, r.o, r.c
	FROM generate_series(1, 5) d,
		 (VALUES (time '08:00', time '12:00'), ('13:00', '18:00')) r(o, c);
	INSERT INTO leadflow.calendar_holiday (calendar_id, holiday, name)
	SELECT cal, h::date, n FROM (VALUES
		('2017-01-01', 'Confraternização Universal'),
		('2017-01-25', 'Aniversário de São Paulo'),
		('2017-02-27', 'Carnaval'), ('2017-02-28', 'Carnaval'),
		('2017-04-14', 'Sexta-feira Santa'), ('2017-04-21', 'Tiradentes'),
		('2017-05-01', 'Dia do Trabalho'), ('2017-06-15', 'Corpus Christi'),
		('2017-07-09', 'Revolução Constitucionalista'),
		('2017-09-07', 'Independência'), ('2017-10-12', 'Nossa Senhora Aparecida'),
		('2017-11-02', 'Finados'), ('2017-11-15', 'Proclamação da República'),
		('2017-11-20', 'Consciência Negra'), ('2017-12-25', 'Natal'),
		('2018-01-01', 'Confraternização Universal'),
		('2018-01-25', 'Aniversário de São Paulo'),
		('2018-02-12', 'Carnaval'), ('2018-02-13', 'Carnaval'),
		('2018-03-30', 'Sexta-feira Santa'), ('2018-04-21', 'Tiradentes'),
		('2018-05-01', 'Dia do Trabalho'), ('2018-05-31', 'Corpus Christi'),
		('2018-07-09', 'Revolução Constitucionalista'),
		('2018-09-07', 'Independência'), ('2018-10-12', 'Nossa Senhora Aparecida'),
		('2018-11-02', 'Finados'), ('2018-11-15', 'Proclamação da República'),
		('2018-11-20', 'Consciência Negra'), ('2018-12-25', 'Natal')) v(h, n);

	INSERT INTO leadflow.team (name, calendar_id)
	VALUES ('Olist sales', cal) RETURNING team_id INTO team;

	-- Every SDR and SR of the deals is a rep, named by the first eight
	-- digits of the data set's identifier (all distinct).
	INSERT INTO leadflow.rep (name, email, team_id, calendar_id)
	SELECT 'olist ' || left(id, 8), id, team, cal
	FROM (SELECT sdr_id FROM leadflow_demo.olist_deal_raw
		  UNION SELECT sr_id FROM leadflow_demo.olist_deal_raw) r(id)
	WHERE id <> ''
	ORDER BY id;

	-- Campaign = landing page; the lead's own origin is its channel.
	INSERT INTO leadflow.campaign (name)
	SELECT DISTINCT 'olist lp ' || landing_page_id
	FROM leadflow_demo.olist_mql_raw
	WHERE landing_page_id <> ''
	ORDER BY 1;
END
$$;

CREATE PROCEDURE leadflow_demo.load_olist()
LANGUAGE plpgsql
AS $$
DECLARE
	mql_file text := 'olist/marketing_qualified_leads.csv';
	deal_file text := 'olist/closed_deals.csv';
	end_of_data timestamptz;
BEGIN
	PERFORM set_config('TimeZone', 'America/Sao_Paulo', true);

	INSERT INTO leadflow_demo.file_read
	SELECT mql_file, count(*) FROM leadflow_demo.olist_mql_raw
	UNION ALL
	SELECT deal_file, count(*) FROM leadflow_demo.olist_deal_raw;

	CALL leadflow_demo.olist_organisation();

	-- Each MQL as a lead: arrival at the start of its first-contact day in
	-- São Paulo.  The date is read day-first and flagged as such.
	CREATE TEMP TABLE olist_lead AS
	SELECT m.row_no AS lead_id, m.mql_id, m.landing_page_id,
		   nullif(m.origin, '') AS channel,
		   leadflow_demo.read_day_first(m.first_contact_date, 'DD-MM-YYYY')
			AS arrival,
		   m.first_contact_date
	FROM leadflow_demo.olist_mql_raw m;

	CREATE TEMP TABLE olist_win AS
	SELECT d.row_no, d.mql_id, l.lead_id,
		   leadflow_demo.read_day_first(d.won_date, 'DD-MM-YYYY HH24:MI')
			AS won_at,
		   sdr.rep_id AS sdr_rep_id, sr.rep_id AS sr_rep_id
	FROM leadflow_demo.olist_deal_raw d
	LEFT JOIN olist_lead l ON l.mql_id = d.mql_id
	LEFT JOIN leadflow.rep sdr ON sdr.email = d.sdr_id
	LEFT JOIN leadflow.rep sr ON sr.email = d.sr_id;

	-- A deal without its MQL still becomes a lead, arriving when it was
	-- won (flagged); so does a deal whose date cannot be read, at load.
	INSERT INTO olist_lead (lead_id, mql_id, arrival)
	SELECT 100000 + w.row_no, w.mql_id, w.won_at
	FROM olist_win w WHERE w.lead_id IS NULL;
	UPDATE olist_win SET lead_id = 100000 + row_no WHERE lead_id IS NULL;

	-- The leads arrive in the order of their arrival, then the deals close
	-- them as won.  (Arriving and closing day by day would score them the
	-- same: until the end of the data every closed lead is a won one, so
	-- every channel and landing page has the same won rate, 100 %.)
	INSERT INTO leadflow.lead (lead_id, external_ref, received_at,
							   channel, campaign_name, attributes)
	SELECT l.lead_id, 'olist:' || l.mql_id, l.arrival, l.channel,
		   'olist lp ' || nullif(l.landing_page_id, ''),
		   jsonb_build_object(
			'data_set', 'olist',
			'source', jsonb_build_object(
				'file', CASE WHEN l.lead_id < 100000 THEN mql_file
					ELSE deal_file END,
				'row', l.lead_id % 100000),
			'input_issues', jsonb_path_query_array(jsonb_build_array(
				CASE WHEN l.lead_id >= 100000 THEN
					leadflow_demo.issue('mql_id', l.mql_id, 'deal_without_lead')
				END,
				CASE WHEN l.lead_id < 100000 THEN
					leadflow_demo.issue('first_contact_date',
										l.first_contact_date,
										'day_first_date',
										to_char(l.arrival, 'YYYY-MM-DD'))
				END,
				CASE WHEN l.channel IS NULL AND l.lead_id < 100000 THEN
					leadflow_demo.issue('origin', '', 'missing')
				END), '$[*] ? (@ != null)'))
	FROM olist_lead l
	WHERE l.arrival IS NOT NULL
	ORDER BY l.arrival, l.lead_id;

	-- The deal's SDR holds the lead; its SR is kept with the deal.  Olist
	-- records no contacts: a won lead counts as reached when it was won.
	UPDATE leadflow.lead l
	SET stage = 'won', won_at = w.won_at, reached_at = w.won_at,
		rep_id = w.sdr_rep_id, assigned_at = l.received_at
	FROM olist_win w
	WHERE l.lead_id = w.lead_id AND w.won_at IS NOT NULL;

	-- The end of the data.  A deal whose date cannot be read is won then
	-- (flagged below); leads not won by then are lost, reason unknown.
	SELECT max(t) INTO end_of_data FROM (
		SELECT max(won_at) FROM olist_win
		UNION ALL SELECT max(arrival) FROM olist_lead) m(t);
	UPDATE leadflow.lead l
	SET stage = 'won', won_at = end_of_data, reached_at = end_of_data,
		rep_id = w.sdr_rep_id, assigned_at = l.received_at
	FROM olist_win w
	WHERE l.lead_id = w.lead_id AND w.won_at IS NULL;
	UPDATE leadflow.lead
	SET stage = 'lost', close_reason = 'unknown', lost_at = end_of_data
	WHERE stage NOT IN ('won', 'lost', 'disqualified');

	-- Leads whose first-contact date cannot be read arrive at load time,
	-- flagged, and stay open.
	INSERT INTO leadflow.lead (lead_id, external_ref, channel, campaign_name,
							   attributes)
	SELECT l.lead_id, 'olist:' || l.mql_id, l.channel,
		   'olist lp ' || nullif(l.landing_page_id, ''),
		   jsonb_build_object('data_set', 'olist',
			'source', jsonb_build_object('file', mql_file, 'row', l.lead_id),
			'input_issues', jsonb_build_array(leadflow_demo.issue(
				'first_contact_date', l.first_contact_date, 'unreadable_date')))
	FROM olist_lead l WHERE l.arrival IS NULL AND l.lead_id < 100000;

	-- What the deal says about the seller, written after the close (a
	-- closed lead keeps the score it closed with).  Booleans TRUE/FALSE,
	-- numbers as numbers, month names in average_stock read back as the
	-- ranges they were; whatever does not read is kept as text, flagged.
	UPDATE leadflow.lead l
	SET attributes = l.attributes || jsonb_build_object(
		'deal', jsonb_strip_nulls(jsonb_build_object(
			'source', jsonb_build_object('file', deal_file, 'row', d.row_no),
			'seller_id', nullif(d.seller_id, ''),
			'sdr_rep_id', w.sdr_rep_id,
			'sr_rep_id', w.sr_rep_id,
			'business_segment', nullif(d.business_segment, ''),
			'lead_type', nullif(d.lead_type, ''),
			'lead_behaviour_profile', nullif(d.lead_behaviour_profile, ''),
			'has_company', CASE d.has_company WHEN 'TRUE' THEN to_jsonb(true)
				WHEN 'FALSE' THEN to_jsonb(false)
				ELSE to_jsonb(nullif(d.has_company, '')) END,
			'has_gtin', CASE d.has_gtin WHEN 'TRUE' THEN to_jsonb(true)
				WHEN 'FALSE' THEN to_jsonb(false)
				ELSE to_jsonb(nullif(d.has_gtin, '')) END,
			'average_stock', coalesce(
				leadflow_demo.read_month_range(d.average_stock),
				nullif(d.average_stock, '')),
			'business_type', nullif(d.business_type, ''),
			'declared_product_catalog_size', CASE
				WHEN d.declared_product_catalog_size ~ '^\d+(\.\d+)?$'
				THEN to_jsonb(d.declared_product_catalog_size::numeric)
				ELSE to_jsonb(nullif(d.declared_product_catalog_size, '')) END,
			'declared_monthly_revenue', CASE
				WHEN d.declared_monthly_revenue ~ '^\d+(\.\d+)?$'
				THEN to_jsonb(d.declared_monthly_revenue::numeric)
				ELSE to_jsonb(nullif(d.declared_monthly_revenue, '')) END)),
		'input_issues', (l.attributes -> 'input_issues') || jsonb_path_query_array(
			jsonb_build_array(
				leadflow_demo.issue('won_date', d.won_date,
					CASE WHEN w.won_at IS NULL THEN 'unreadable_date'
						 ELSE 'day_first_date' END,
					to_char(w.won_at, 'YYYY-MM-DD HH24:MI')),
				CASE WHEN w.won_at < l.received_at THEN
					leadflow_demo.issue('won_date', d.won_date,
										'won_before_first_contact')
				END,
				CASE WHEN leadflow_demo.read_month_range(d.average_stock)
						  IS NOT NULL THEN
					leadflow_demo.issue('average_stock', d.average_stock,
						'range_read_as_date',
						leadflow_demo.read_month_range(d.average_stock))
				END,
				CASE WHEN d.has_company NOT IN ('', 'TRUE', 'FALSE') THEN
					leadflow_demo.issue('has_company', d.has_company,
										'not_a_boolean')
				END,
				CASE WHEN d.has_gtin NOT IN ('', 'TRUE', 'FALSE') THEN
					leadflow_demo.issue('has_gtin', d.has_gtin, 'not_a_boolean')
				END,
				CASE WHEN d.declared_product_catalog_size !~ '^(\d+(\.\d+)?)?$'
				THEN leadflow_demo.issue('declared_product_catalog_size',
						d.declared_product_catalog_size, 'not_a_number')
				END,
				CASE WHEN d.declared_monthly_revenue !~ '^(\d+(\.\d+)?)?$'
				THEN leadflow_demo.issue('declared_monthly_revenue',
						d.declared_monthly_revenue, 'not_a_number')
				END), '$[*] ? (@ != null)'))
	FROM leadflow_demo.olist_deal_raw d
	JOIN olist_win w ON w.row_no = d.row_no
	WHERE l.lead_id = w.lead_id;

	PERFORM setval(pg_get_serial_sequence('leadflow.lead', 'lead_id'),
				   (SELECT max(lead_id) FROM leadflow.lead));
END
$$;

-- ---------------------------------------------------------------------
-- X Education leads
-- ---------------------------------------------------------------------

CREATE TABLE leadflow_demo.xeducation_raw (
	row_no integer GENERATED ALWAYS AS IDENTITY,
	"Prospect ID" text,
	"Lead Number" text,
	"Lead Origin" text,
	"Lead Source" text,
	"Do Not Email" text,
	"Do Not Call" text,
	"Converted" text,
	"TotalVisits" text,
	"Total Time Spent on Website" text,
	"Page Views Per Visit" text,
	"Last Activity" text,
	"Country" text,
	"Specialization" text,
	"How did you hear about X Education" text,
	"What is your current occupation" text,
	"What matters most to you in choosing a course" text,
	"Search" text,
	"Magazine" text,
	"Newspaper Article" text,
	"X Education Forums" text,
	"Newspaper" text,
	"Digital Advertisement" text,
	"Through Recommendations" text,
	"Receive More Updates About Our Courses" text,
	"Tags" text,
	"Lead Quality" text,
	"Update me on Supply Chain Content" text,
	"Get updates on DM Content" text,
	"Lead Profile" text,
	"City" text,
	"Asymmetrique Activity Index" text,
	"Asymmetrique Profile Index" text,
	"Asymmetrique Activity Score" text,
	"Asymmetrique Profile Score" text,
	"I agree to pay the amount through cheque" text,
	"A free copy of Mastering The Interview" text,
	"Last Notable Activity" text,
	unnamed_last text
);

-- Where each column goes.  profile: what is known before Sales talks to
-- the lead, an attribute the score rules may read; sales: written by
-- Sales after contact, kept under attributes->'sales_notes' and mapped to
-- stages and close reasons below; how: text, number or yes_no (Yes/No as
-- a JSON boolean).  Prospect ID is the external reference, Lead Source the
-- channel, Converted the won stage.
CREATE TABLE leadflow_demo.xeducation_column (
	col text PRIMARY KEY,
	key text NOT NULL,
	part text NOT NULL CHECK (part IN ('profile', 'sales', 'outcome')),
	how text NOT NULL CHECK (how IN ('text', 'number', 'yes_no'))
);

INSERT INTO leadflow_demo.xeducation_column VALUES
	('Prospect ID', 'prospect_id', 'profile', 'text'),
	('Lead Number', 'lead_number', 'profile', 'number'),
	('Lead Origin', 'lead_origin', 'profile', 'text'),
	('Lead Source', 'lead_source', 'profile', 'text'),
	('Do Not Email', 'do_not_email', 'profile', 'yes_no'),
	('Do Not Call', 'do_not_call', 'profile', 'yes_no'),
	('Converted', 'converted', 'outcome', 'number'),
	('TotalVisits', 'total_visits', 'profile', 'number'),
	('Total Time Spent on Website', 'time_on_website_s', 'profile', 'number'),
	('Page Views Per Visit', 'page_views_per_visit', 'profile', 'number'),
	('Last Activity', 'last_activity', 'sales', 'text'),
	('Country', 'country', 'profile', 'text'),
	('Specialization', 'specialization', 'profile', 'text'),
	('How did you hear about X Education', 'heard_from', 'profile', 'text'),
	('What is your current occupation', 'occupation', 'profile', 'text'),
	('What matters most to you in choosing a course', 'what_matters',
	 'profile', 'text'),
	('Search', 'saw_ad_search', 'profile', 'yes_no'),
	('Magazine', 'saw_ad_magazine', 'profile', 'yes_no'),
	('Newspaper Article', 'saw_ad_newspaper_article', 'profile', 'yes_no'),
	('X Education Forums', 'saw_ad_forums', 'profile', 'yes_no'),
	('Newspaper', 'saw_ad_newspaper', 'profile', 'yes_no'),
	('Digital Advertisement', 'saw_ad_digital', 'profile', 'yes_no'),
	('Through Recommendations', 'saw_ad_recommendation', 'profile', 'yes_no'),
	('Receive More Updates About Our Courses', 'opt_in_course_updates',
	 'profile', 'yes_no'),
	('Tags', 'tags', 'sales', 'text'),
	('Lead Quality', 'lead_quality', 'sales', 'text'),
	('Update me on Supply Chain Content', 'opt_in_supply_chain', 'profile',
	 'yes_no'),
	('Get updates on DM Content', 'opt_in_dm_content', 'profile', 'yes_no'),
	('Lead Profile', 'lead_profile', 'sales', 'text'),
	('City', 'city', 'profile', 'text'),
	('Asymmetrique Activity Index', 'asymmetrique_activity_index', 'profile',
	 'text'),
	('Asymmetrique Profile Index', 'asymmetrique_profile_index', 'profile',
	 'text'),
	('Asymmetrique Activity Score', 'asymmetrique_activity_score', 'profile',
	 'number'),
	('Asymmetrique Profile Score', 'asymmetrique_profile_score', 'profile',
	 'number'),
	('I agree to pay the amount through cheque', 'agrees_to_pay_by_cheque',
	 'profile', 'yes_no'),
	('A free copy of Mastering The Interview', 'wants_free_interview_book',
	 'profile', 'yes_no'),
	('Last Notable Activity', 'last_notable_activity', 'sales', 'text');

-- What Sales' Tags mean in leadflow's words (the tag with runs of spaces
-- made single).  reached: Sales spoke with the lead; potential: the lead
-- showed it may buy; close_reason: why the lead closed when it was not
-- converted.  A reason on the marketing side (wrong_target,
-- invalid_contact, duplicate, no_need, spam) disqualifies the lead, any
-- other closes it as lost.  A converted lead is won whatever its tag; it
-- is flagged when the tag says no sale could happen (excludes_sale), and
-- a lead not converted is flagged when its tag says the sale closed.
CREATE TABLE leadflow_demo.xeducation_tag (
	tag text PRIMARY KEY,
	reached boolean NOT NULL,
	potential boolean NOT NULL,
	close_reason text,
	excludes_sale boolean NOT NULL,
	says_won boolean NOT NULL DEFAULT false
);

INSERT INTO leadflow_demo.xeducation_tag
	(tag, reached, potential, close_reason, excludes_sale, says_won)
VALUES
	('Will revert after reading the email', true, false, NULL, false, false),
	('Ringing', false, false, 'unresponsive', false, false),
	('Busy', false, false, 'unresponsive', false, false),
	('switched off', false, false, 'unresponsive', false, false),
	('opp hangup', true, false, 'unresponsive', false, false),
	('invalid number', false, false, 'invalid_contact', true, false),
	('wrong number given', false, false, 'invalid_contact', true, false),
	('number not provided', false, false, 'invalid_contact', true, false),
	('Interested in other courses', true, false, 'wrong_target', true, false),
	('Interested in full time MBA', true, false, 'wrong_target', true, false),
	('Diploma holder (Not Eligible)', true, false, 'wrong_target', true,
	 false),
	('Already a student', true, false, 'wrong_target', true, false),
	('Not doing further education', true, false, 'no_need', true, false),
	('University not recognized', true, false, 'no_need', true, false),
	('Recognition issue (DEC approval)', true, false, 'no_need', true, false),
	('Lost to EINS', true, false, 'lost_to_competitor', true, false),
	('Lost to Others', true, false, 'lost_to_competitor', true, false),
	('in touch with EINS', true, false, 'lost_to_competitor', false, false),
	('Want to take admission but has financial problems', true, true, 'price',
	 false, false),
	('Graduation in progress', true, false, 'timing', false, false),
	('Interested in Next batch', true, true, 'timing', false, false),
	('Shall take in the next coming month', true, true, 'timing', false,
	 false),
	('Still Thinking', true, true, NULL, false, false),
	('In confusion whether part time or DLP', true, true, NULL, false, false),
	('Lateral student', true, false, NULL, false, false),
	('Closed by Horizzon', true, true, NULL, false, true);

-- What Sales' Lead Quality means: hot (and so potential), potential, or
-- a close reason used when the tag gives none.
CREATE TABLE leadflow_demo.xeducation_quality (
	quality text PRIMARY KEY,
	potential boolean NOT NULL,
	hot boolean NOT NULL,
	close_reason text
);

INSERT INTO leadflow_demo.xeducation_quality VALUES
	('High in Relevance', true, true, NULL),
	('Might be', true, false, NULL),
	('Not Sure', false, false, NULL),
	('Low in Relevance', false, false, NULL),
	('Worst', false, false, 'wrong_target');

CREATE PROCEDURE leadflow_demo.load_xeducation()
LANGUAGE plpgsql
AS $$
DECLARE
	lead_file text := 'xeducation/leads.csv';
	b integer;
BEGIN
	INSERT INTO leadflow_demo.file_read
	SELECT lead_file, count(*) FROM leadflow_demo.xeducation_raw;

	-- One value per row and column, read as its column says.  Empty is
	-- absent; the form default "Select" is absent and flagged; a value
	-- that does not read as its kind is kept as text and flagged.
	CREATE TEMP TABLE xeducation_value AS
	SELECT r.row_no, c.key, c.part, v.value AS raw,
		   CASE
			WHEN v.value IN ('', 'Select') THEN NULL
			WHEN c.how = 'number' AND v.value ~ '^-?\d+(\.\d+)?$'
				THEN to_jsonb(v.value::numeric)
			WHEN c.how = 'yes_no' AND v.value IN ('Yes', 'No')
				THEN to_jsonb(v.value = 'Yes')
			ELSE to_jsonb(v.value)
		   END AS value,
		   CASE
			WHEN v.value = 'Select' THEN 'form_placeholder'
			WHEN v.value = '' THEN NULL
			WHEN c.how = 'number' AND v.value !~ '^-?\d+(\.\d+)?$'
				THEN 'not_a_number'
			WHEN c.how = 'yes_no' AND v.value NOT IN ('Yes', 'No')
				THEN 'not_yes_or_no'
			WHEN c.key = 'tags' AND v.value ~ '\s\s'
				THEN 'doubled_space'
		   END AS issue,
		   CASE WHEN c.key = 'tags' AND v.value ~ '\s\s'
				THEN regexp_replace(btrim(v.value), '\s+', ' ', 'g')
		   END AS read_as
	FROM leadflow_demo.xeducation_raw r
	CROSS JOIN LATERAL jsonb_each_text(to_jsonb(r)) v(col, value)
	JOIN leadflow_demo.xeducation_column c ON c.col = v.col;

	-- One channel per source whatever its spelling: the spelling most rows
	-- use (Google, not google).
	CREATE TEMP TABLE xeducation_channel AS
	SELECT DISTINCT ON (lower(btrim("Lead Source")))
		   lower(btrim("Lead Source")) AS folded,
		   btrim("Lead Source") AS channel
	FROM leadflow_demo.xeducation_raw
	WHERE btrim("Lead Source") <> ''
	GROUP BY 1, 2
	ORDER BY 1, count(*) DESC, 2;

	-- Each lead: channel, attributes, and what Sales' notes mean.
	CREATE TEMP TABLE xeducation_lead AS
	SELECT r.row_no AS lead_id, r."Prospect ID" AS prospect_id,
		   ch.channel,
		   ntile(10) OVER (ORDER BY
			CASE WHEN r."Lead Number" ~ '^\d+$' THEN r."Lead Number"::bigint END,
			r.row_no) AS batch,
		   r."Converted" = '1' AS won,
		   CASE WHEN r."Converted" = '1' THEN t.excludes_sale
				ELSE t.says_won END AS contradicts,
		   coalesce(t.reached, false) AS tag_reached,
		   coalesce(t.potential, false) OR coalesce(q.potential, false)
			AS potential,
		   coalesce(q.hot, false) AS hot,
		   coalesce(t.close_reason, q.close_reason, 'unknown') AS close_reason,
		   r."Tags" AS tags_raw,
		   nullif(regexp_replace(btrim(r."Tags"), '\s+', ' ', 'g'), '') AS tag,
		   t.tag IS NULL AND btrim(r."Tags") <> '' AS unknown_tag,
		   nullif(r."Lead Quality", '') AS quality,
		   q.quality IS NULL AND r."Lead Quality" <> '' AS unknown_quality,
		   r."Lead Source" AS source_raw,
		   r.unnamed_last
	FROM leadflow_demo.xeducation_raw r
	LEFT JOIN xeducation_channel ch ON ch.folded = lower(btrim(r."Lead Source"))
	LEFT JOIN leadflow_demo.xeducation_tag t
		ON t.tag = regexp_replace(btrim(r."Tags"), '\s+', ' ', 'g')
	LEFT JOIN leadflow_demo.xeducation_quality q
		ON q.quality = r."Lead Quality";

	-- The lead's attributes: the profile, Sales' notes apart, and what
	-- was wrong with the input.  Converted is the won stage, not an
	-- attribute.
	CREATE TEMP TABLE xeducation_attributes AS
	SELECT v.row_no AS lead_id,
		   jsonb_object_agg(v.key, v.value)
			FILTER (WHERE v.part = 'profile' AND v.value IS NOT NULL)
			AS profile,
		   jsonb_object_agg(v.key, v.value)
			FILTER (WHERE v.part = 'sales' AND v.value IS NOT NULL)
			AS sales_notes,
		   jsonb_agg(leadflow_demo.issue(v.key, v.raw, v.issue, v.read_as)
					 ORDER BY v.key) FILTER (WHERE v.issue IS NOT NULL)
			AS issues
	FROM xeducation_value v
	GROUP BY v.row_no;

	CREATE TEMP TABLE xeducation_input AS
	SELECT l.lead_id, l.batch, 'xeducation:' || l.prospect_id AS external_ref,
		   l.channel,
		   jsonb_build_object('data_set', 'xeducation',
			'source', jsonb_build_object('file', lead_file, 'row', l.lead_id))
		   || coalesce(a.profile, '{}')
		   || jsonb_build_object('sales_notes', coalesce(a.sales_notes, '{}'),
			'input_issues', coalesce(a.issues, '[]')
			|| jsonb_path_query_array(jsonb_build_array(
				CASE WHEN l.channel IS NULL THEN
					leadflow_demo.issue('lead_source', l.source_raw, 'missing')
				WHEN l.channel <> l.source_raw THEN
					leadflow_demo.issue('lead_source', l.source_raw,
										'variant_spelling', l.channel)
				END,
				CASE WHEN l.contradicts THEN
					leadflow_demo.issue('tags', l.tags_raw,
										'contradicts_converted')
				END,
				CASE WHEN l.unknown_tag THEN
					leadflow_demo.issue('tags', l.tags_raw, 'unknown_tag')
				END,
				CASE WHEN l.unknown_quality THEN
					leadflow_demo.issue('lead_quality', l.quality,
										'unknown_quality')
				END,
				CASE WHEN l.unnamed_last <> '' THEN
					leadflow_demo.issue('(unnamed last column)', l.unnamed_last,
										'unexpected_value')
				END), '$[*] ? (@ != null)')) AS attributes
	FROM xeducation_lead l
	LEFT JOIN xeducation_attributes a USING (lead_id);

	-- The file has no dates.  Leads arrive in ten batches in the order of
	-- their Lead Number (the CRM's sequence), and each batch's outcome is
	-- written before the next batch arrives: a later lead is scored with
	-- the won rates of the earlier ones, as in production.
	FOR b IN 1..10 LOOP
		INSERT INTO leadflow.lead (lead_id, external_ref, channel, attributes)
		SELECT i.lead_id, i.external_ref, i.channel, i.attributes
		FROM xeducation_input i
		WHERE i.batch = b
		ORDER BY i.lead_id;

		UPDATE leadflow.lead ld
		SET reached_at = CASE WHEN l.won OR l.potential OR l.hot
							   OR l.tag_reached THEN now() END,
			potential_at = CASE WHEN l.potential OR l.hot THEN now() END,
			hot_at = CASE WHEN l.hot THEN now() END,
			stage = CASE WHEN l.won THEN 'won'
						 WHEN l.close_reason IN ('wrong_target',
							'invalid_contact', 'duplicate', 'no_need',
							'spam') THEN 'disqualified'
						 ELSE 'lost' END,
			close_reason = CASE WHEN NOT l.won THEN l.close_reason END
		FROM xeducation_lead l
		WHERE ld.lead_id = l.lead_id AND l.batch = b;
	END LOOP;

	PERFORM setval(pg_get_serial_sequence('leadflow.lead', 'lead_id'),
				   (SELECT max(lead_id) FROM leadflow.lead));
END
$$;

-- ---------------------------------------------------------------------
-- Accounting: every row read is stored.
-- ---------------------------------------------------------------------

CREATE VIEW leadflow_demo.accounting AS
	SELECT f.file, f.rows_read,
		   (SELECT count(*) FROM leadflow.lead l
			WHERE l.attributes -> 'source' ->> 'file' = f.file
			   OR l.attributes -> 'deal' -> 'source' ->> 'file' = f.file)
			AS rows_stored
	FROM leadflow_demo.file_read f;

COMMENT ON VIEW leadflow_demo.accounting IS
'Per input file: rows COPY read, and leads that hold a row of it (an Olist deal is stored on the lead it closed).';

-- What was wrong with the input, and how many values.
CREATE VIEW leadflow_demo.input_issues AS
	SELECT i ->> 'field' AS field, i ->> 'issue' AS issue,
		   count(*) AS values, count(DISTINCT l.lead_id) AS leads,
		   (array_agg(i ->> 'raw' ORDER BY l.lead_id))[1] AS example_raw,
		   (array_agg(i ->> 'read_as' ORDER BY l.lead_id))[1] AS read_as
	FROM leadflow.lead l,
		 jsonb_array_elements(l.attributes -> 'input_issues') i
	GROUP BY 1, 2;

-- ---------------------------------------------------------------------
-- The load itself.  \copy takes the rest of its line verbatim, so the
-- folder reaches it through the shell of FROM PROGRAM.
-- ---------------------------------------------------------------------

\getenv data_dir LEADFLOW_DATA
\if :{?data_dir}
\else
\warn 'load.sql: set LEADFLOW_DATA to the folder that holds olist/ and xeducation/'
SELECT 1 / 0 AS leadflow_data_not_set;
\endif
\if :{?data_set}
\else
\set data_set none
\endif
SELECT :'data_set' = 'olist' AS load_olist,
	   :'data_set' = 'xeducation' AS load_xeducation \gset
\if :load_olist
\copy leadflow_demo.olist_mql_raw (mql_id, first_contact_date, landing_page_id, origin) FROM PROGRAM 'cat "$LEADFLOW_DATA/olist/marketing_qualified_leads.csv"' WITH (FORMAT csv, HEADER match)
\copy leadflow_demo.olist_deal_raw (mql_id, seller_id, sdr_id, sr_id, won_date, business_segment, lead_type, lead_behaviour_profile, has_company, has_gtin, average_stock, business_type, declared_product_catalog_size, declared_monthly_revenue) FROM PROGRAM 'cat "$LEADFLOW_DATA/olist/closed_deals.csv"' WITH (FORMAT csv, HEADER match)
CALL leadflow_demo.load_olist();
\elif :load_xeducation
\copy leadflow_demo.xeducation_raw ("Prospect ID", "Lead Number", "Lead Origin", "Lead Source", "Do Not Email", "Do Not Call", "Converted", "TotalVisits", "Total Time Spent on Website", "Page Views Per Visit", "Last Activity", "Country", "Specialization", "How did you hear about X Education", "What is your current occupation", "What matters most to you in choosing a course", "Search", "Magazine", "Newspaper Article", "X Education Forums", "Newspaper", "Digital Advertisement", "Through Recommendations", "Receive More Updates About Our Courses", "Tags", "Lead Quality", "Update me on Supply Chain Content", "Get updates on DM Content", "Lead Profile", "City", "Asymmetrique Activity Index", "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score", "I agree to pay the amount through cheque", "A free copy of Mastering The Interview", "Last Notable Activity", unnamed_last) FROM PROGRAM 'cat "$LEADFLOW_DATA/xeducation/leads.csv"' WITH (FORMAT csv, HEADER true)
CALL leadflow_demo.load_xeducation();
\else
\warn 'load.sql: set data_set to olist or xeducation (psql -v data_set=...)'
SELECT 1 / 0 AS unknown_data_set;
\endif
