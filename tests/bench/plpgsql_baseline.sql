-- tests/bench/plpgsql_baseline.sql: the PL/pgSQL triggers leadflow's C
-- lead triggers are measured against.
--
-- This is the write-time work of leadflow.lead_before/lead_after written
-- the way a competent DBA would write it by hand, per inserted row:
--   1. the phone number: separators stripped, Vietnamese national and
--      international forms brought to +84 E.164, validity and type by
--      the numbering plan's patterns;
--   2. the e-mail address: trimmed, domain lower-cased, syntax checked
--      by pattern, and a matching key that ignores dots and +tags at
--      gmail.com and googlemail.com;
--   3. the campaign looked up by name;
--   4. the duplicate check: the earliest earlier lead with the same phone
--      or the same e-mail key within 90 days, each key under an advisory
--      lock so that two sessions cannot both miss each other;
--   5. the score: contact validity, the channel's and the campaign's
--      smoothed won rates (from a table of counts a nightly job would
--      keep), attribute rules and a duplicate penalty, with an
--      explanation of the points;
--   6. the SLA policy (lowest priority whose channel, campaign and minimum
--      score match) and the due time, walking the policy's calendar day
--      by day over its working hours and holidays in its time zone;
--   7. the stage entry time, the flags;
--   8. after the row is written, an 'sla_started' row in the event log.
-- It reads leadflow's configuration tables and writes
-- bench_plpgsql.lead and bench_plpgsql.lead_event, which lead_setup.sql
-- has made as copies of leadflow's tables before loading this file.
--
-- The advisory locks are striped (1024 stripes per kind of key): a lock
-- per contact, held to commit, would need one lock-table entry per
-- distinct contact, which a bulk load of a million leads in one
-- transaction does not have.  Tables are schema-qualified instead of
-- pinning search_path with SET, which would add a settings save and
-- restore to every call.

CREATE TABLE bench_plpgsql.won_rate (
	kind text NOT NULL CHECK (kind IN ('all', 'channel', 'campaign')),
	key text NOT NULL,
	leads bigint NOT NULL,
	won bigint NOT NULL,
	PRIMARY KEY (kind, key)
);

INSERT INTO bench_plpgsql.won_rate (kind, key, leads, won)
VALUES ('all', '*', 40000, 1200),
	   ('channel', 'paid_search', 16000, 400),
	   ('channel', 'social', 12000, 240),
	   ('channel', 'referral', 2500, 200),
	   ('channel', 'event', 2500, 150),
	   ('channel', 'website', 5000, 180),
	   ('channel', 'import', 2000, 30);

INSERT INTO bench_plpgsql.won_rate (kind, key, leads, won)
SELECT 'campaign', c.campaign_id::text, 3000 + 1000 * c.campaign_id,
	60 + 25 * c.campaign_id
FROM leadflow.campaign c;

-- business_due(calendar, start, allowance): start plus allowance in
-- business time on the calendar (a day of allowance is 24 business
-- hours).  Walks local dates from the start's: a holiday has no working
-- time; otherwise each range of that weekday, clipped to the start,
-- uses up allowance until it runs out inside one.  NULL for an unknown
-- calendar or one with no working time in the next three years.
CREATE FUNCTION bench_plpgsql.business_due(p_calendar integer,
										   p_start timestamptz,
										   p_allowance interval)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_zone text;
	v_overnight boolean;
	v_left double precision := extract(epoch FROM p_allowance);
	v_day date;
	v_dow smallint;
	v_from timestamptz;
	v_to timestamptz;
	v_span double precision;
	r record;
BEGIN
	SELECT c.time_zone, c.overnight INTO v_zone, v_overnight
	FROM leadflow.calendar c
	WHERE c.calendar_id = p_calendar;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;

	-- On an overnight calendar, the previous day's range may still be open.
	v_day := (p_start AT TIME ZONE v_zone)::date;
	IF v_overnight THEN
		v_day := v_day - 1;
	END IF;

	FOR i IN 1 .. 1100 LOOP
		v_dow := extract(isodow FROM v_day)::smallint;
		IF NOT EXISTS (SELECT 1 FROM leadflow.calendar_holiday h
					   WHERE h.calendar_id = p_calendar
						 AND h.holiday = v_day) THEN
			FOR r IN
				SELECT h.opens, h.closes
				FROM leadflow.calendar_hours h
				WHERE h.calendar_id = p_calendar AND h.weekday = v_dow
				ORDER BY h.opens
			LOOP
				v_from := (v_day + r.opens) AT TIME ZONE v_zone;
				IF v_overnight AND r.closes <= r.opens THEN
					v_to := (v_day + 1 + r.closes) AT TIME ZONE v_zone;
				ELSE
					v_to := (v_day + r.closes) AT TIME ZONE v_zone;
				END IF;
				CONTINUE WHEN v_to <= p_start OR v_to <= v_from;

				v_from := greatest(v_from, p_start);
				v_span := extract(epoch FROM v_to - v_from);
				IF v_left <= v_span THEN
					RETURN v_from + v_left * interval '1 second';
				END IF;
				v_left := v_left - v_span;
			END LOOP;
		END IF;
		v_day := v_day + 1;
	END LOOP;
	RETURN NULL;
END
$$;

CREATE FUNCTION bench_plpgsql.lead_before()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v_raw text;
	v_digits text;
	v_nsn text;
	v_at integer;
	v_local text;
	v_domain text;
	v_flags text[] := '{}';
	v_dup_id bigint;
	v_dup_at timestamptz;
	v_dup_start timestamptz;
	v_id bigint;
	v_id_at timestamptz;
	v_id_start timestamptz;
	v_prior double precision;
	v_ch_leads bigint;
	v_ch_won bigint;
	v_cp_leads bigint;
	v_cp_won bigint;
	v_ch_rate double precision;
	v_cp_rate double precision;
	v_contact integer;
	v_channel integer;
	v_campaign integer;
	v_attr integer := 0;
	v_dup integer;
	v_calendar integer;
	v_allowance interval;
BEGIN
	-- 1. Phone: only digits, separators and a leading + can be read.
	NEW.phone := NULL;
	NEW.phone_valid := NULL;
	NEW.phone_type := NULL;
	v_raw := btrim(NEW.phone_raw);
	IF v_raw <> '' THEN
		IF v_raw ~ '^\(?\+?[0-9][0-9 ().-]*$' THEN
			v_digits := regexp_replace(v_raw, '[^0-9]', '', 'g');
			IF v_raw ~ '^\(?\+' OR v_digits LIKE '00%' THEN
				v_digits := regexp_replace(v_digits, '^00', '');
				IF v_digits LIKE '84%' THEN
					v_nsn := substr(v_digits, 3);
				ELSIF length(v_digits) BETWEEN 8 AND 15 THEN
					NEW.phone := '+' || v_digits;
					NEW.phone_type := 'unknown';
				END IF;
			ELSIF v_digits LIKE '0%' THEN
				v_nsn := substr(v_digits, 2);
			ELSIF v_digits LIKE '84%' AND length(v_digits) >= 11 THEN
				v_nsn := substr(v_digits, 3);
			ELSE
				v_nsn := v_digits;
			END IF;
		END IF;

		IF length(v_nsn) BETWEEN 8 AND 10 THEN
			NEW.phone := '+84' || v_nsn;
			NEW.phone_type := CASE
				WHEN v_nsn ~
					'^(3[2-9]|5[2689]|7[06-9]|8[1-9]|9[0-46-9])[0-9]{7}$'
					THEN 'mobile'
				WHEN v_nsn ~ '^2(0[3-9]|1[0-689]|2[0-25-9]|3[2-9]|4[2-8]|'
					'5[124-9]|6[0-39]|7[0-7]|8[2-79]|9[0-4679])[0-9]{7}$'
					THEN 'fixed_line'
				WHEN v_nsn ~ '^1800[0-9]{4,6}$' THEN 'toll_free'
				WHEN v_nsn ~ '^1900[0-9]{4,6}$' THEN 'other'
				ELSE 'unknown' END;
		END IF;
		NEW.phone_valid := coalesce(NEW.phone_type <> 'unknown', false);
		IF NOT NEW.phone_valid THEN
			v_flags := v_flags || 'invalid_phone'::text;
		END IF;
	END IF;

	-- 2. E-mail: the domain is what follows the last @.
	NEW.email := NULL;
	NEW.email_valid := NULL;
	NEW.email_key := NULL;
	v_raw := btrim(NEW.email_raw);
	IF v_raw <> '' THEN
		v_at := length(v_raw) + 1 - strpos(reverse(v_raw), '@');
		IF v_at > length(v_raw) THEN
			NEW.email := v_raw;
			NEW.email_valid := false;
		ELSE
			v_local := left(v_raw, v_at - 1);
			v_domain := lower(substr(v_raw, v_at + 1));
			NEW.email := v_local || '@' || v_domain;
			NEW.email_valid := length(v_local) <= 64
				AND v_local ~ '^[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+'
					'(\.[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+)*$'
				AND v_domain ~
					'^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$';
		END IF;
		IF NEW.email_valid THEN
			IF v_domain IN ('gmail.com', 'googlemail.com') THEN
				NEW.email_key := replace(split_part(lower(v_local), '+', 1),
										 '.', '') || '@gmail.com';
			ELSE
				NEW.email_key := lower(v_local) || '@' || v_domain;
			END IF;
		ELSE
			v_flags := v_flags || 'invalid_email'::text;
		END IF;
	END IF;

	-- 3. Campaign by name; the name is kept even when nothing matches.
	IF NEW.campaign_id IS NULL AND NEW.campaign_name IS NOT NULL THEN
		SELECT c.campaign_id INTO NEW.campaign_id
		FROM leadflow.campaign c
		WHERE c.name = NEW.campaign_name;
		IF NEW.campaign_id IS NULL THEN
			v_flags := v_flags || 'unknown_campaign'::text;
		END IF;
	END IF;
	IF NEW.received_at > now() + interval '5 minutes' THEN
		v_flags := v_flags || 'future_arrival'::text;
	END IF;

	-- 4. Duplicates: lock the key, then look; the earliest match wins.
	IF NEW.phone IS NOT NULL THEN
		PERFORM pg_catalog.pg_advisory_xact_lock(1,
			pg_catalog.hashtext(NEW.phone) & 1023);
		SELECT l.lead_id, l.received_at,
			coalesce(l.sla_started_at, l.received_at)
		INTO v_dup_id, v_dup_at, v_dup_start
		FROM bench_plpgsql.lead l
		WHERE l.phone = NEW.phone
		  AND l.received_at >= NEW.received_at - interval '90 days'
		  AND l.received_at <= NEW.received_at
		ORDER BY l.received_at, l.lead_id
		LIMIT 1;
	END IF;
	IF NEW.email_key IS NOT NULL THEN
		PERFORM pg_catalog.pg_advisory_xact_lock(2,
			pg_catalog.hashtext(NEW.email_key) & 1023);
		SELECT l.lead_id, l.received_at,
			coalesce(l.sla_started_at, l.received_at)
		INTO v_id, v_id_at, v_id_start
		FROM bench_plpgsql.lead l
		WHERE l.email_key = NEW.email_key
		  AND l.received_at >= NEW.received_at - interval '90 days'
		  AND l.received_at <= NEW.received_at
		ORDER BY l.received_at, l.lead_id
		LIMIT 1;
		IF v_id IS NOT NULL AND
			(v_dup_id IS NULL OR (v_id_at, v_id) < (v_dup_at, v_dup_id)) THEN
			v_dup_id := v_id;
			v_dup_at := v_id_at;
			v_dup_start := v_id_start;
		END IF;
	END IF;
	NEW.duplicate_of := v_dup_id;

	-- 5. Score.  Rates are smoothed toward the overall rate with a weight
	-- of 50 leads; twice the overall rate earns a factor's full points.
	SELECT a.won::double precision / a.leads, ch.leads, ch.won,
		cp.leads, cp.won
	INTO v_prior, v_ch_leads, v_ch_won, v_cp_leads, v_cp_won
	FROM bench_plpgsql.won_rate a
	LEFT JOIN bench_plpgsql.won_rate ch
		ON ch.kind = 'channel' AND ch.key = NEW.channel
	LEFT JOIN bench_plpgsql.won_rate cp
		ON cp.kind = 'campaign' AND cp.key = NEW.campaign_id::text
	WHERE a.kind = 'all' AND a.key = '*';
	v_ch_rate := (coalesce(v_ch_won, 0) + 50 * v_prior) /
		(coalesce(v_ch_leads, 0) + 50);
	v_cp_rate := (coalesce(v_cp_won, 0) + 50 * v_prior) /
		(coalesce(v_cp_leads, 0) + 50);

	v_contact := CASE WHEN NEW.phone_valid THEN 25 ELSE 0 END +
		CASE WHEN NEW.email_valid THEN 10 ELSE 0 END;
	v_channel := round(least(25, 25 * v_ch_rate / (2 * v_prior)));
	v_campaign := round(least(20, 20 * v_cp_rate / (2 * v_prior)));
	IF jsonb_typeof(NEW.attributes -> 'budget_vnd') = 'number' AND
		(NEW.attributes ->> 'budget_vnd')::numeric >= 100000000 THEN
		v_attr := v_attr + 8;
	END IF;
	IF jsonb_typeof(NEW.attributes -> 'company_size') = 'number' AND
		(NEW.attributes ->> 'company_size')::numeric >= 50 THEN
		v_attr := v_attr + 4;
	END IF;
	IF NEW.attributes ->> 'product' IN ('crm', 'erp') THEN
		v_attr := v_attr + 3;
	END IF;
	v_dup := CASE WHEN v_dup_id IS NULL THEN 0 ELSE -15 END;

	NEW.score := greatest(0, least(100,
		20 + v_contact + v_channel + v_campaign + v_attr + v_dup));
	NEW.score_explanation := jsonb_build_array(
		jsonb_build_object('factor', 'base', 'points', 20),
		jsonb_build_object('factor', 'contact', 'points', v_contact),
		jsonb_build_object('factor', 'channel', 'points', v_channel,
						   'rate', round(v_ch_rate::numeric, 4)),
		jsonb_build_object('factor', 'campaign', 'points', v_campaign,
						   'rate', round(v_cp_rate::numeric, 4)),
		jsonb_build_object('factor', 'attributes', 'points', v_attr),
		jsonb_build_object('factor', 'duplicate', 'points', v_dup));

	-- 6. SLA: the clock of a duplicate starts with the lead it repeats.
	SELECT p.policy_id, p.calendar_id, p.allowance
	INTO NEW.policy_id, v_calendar, v_allowance
	FROM leadflow.sla_policy p
	WHERE p.active
	  AND (p.channel IS NULL OR p.channel = NEW.channel)
	  AND (p.campaign_id IS NULL OR p.campaign_id = NEW.campaign_id)
	  AND (p.min_score IS NULL OR p.min_score <= NEW.score)
	ORDER BY p.priority, p.policy_id
	LIMIT 1;
	IF NEW.policy_id IS NOT NULL THEN
		NEW.sla_started_at := coalesce(v_dup_start, NEW.received_at);
		NEW.sla_due_at := bench_plpgsql.business_due(v_calendar,
			NEW.sla_started_at, v_allowance);
	END IF;

	-- 7. Stage entry time and flags.
	CASE NEW.stage
		WHEN 'attempting' THEN
			NEW.attempting_at := coalesce(NEW.attempting_at, NEW.received_at);
		WHEN 'reached' THEN
			NEW.reached_at := coalesce(NEW.reached_at, NEW.received_at);
		WHEN 'potential' THEN
			NEW.potential_at := coalesce(NEW.potential_at, NEW.received_at);
		WHEN 'hot' THEN
			NEW.hot_at := coalesce(NEW.hot_at, NEW.received_at);
		WHEN 'won' THEN
			NEW.won_at := coalesce(NEW.won_at, NEW.received_at);
		WHEN 'lost' THEN
			NEW.lost_at := coalesce(NEW.lost_at, NEW.received_at);
		WHEN 'disqualified' THEN
			NEW.disqualified_at := coalesce(NEW.disqualified_at,
											NEW.received_at);
		ELSE
			NULL;
	END CASE;
	NEW.flags := NEW.flags || v_flags;
	RETURN NEW;
END
$$;

CREATE FUNCTION bench_plpgsql.lead_after()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
	IF NEW.policy_id IS NOT NULL THEN
		INSERT INTO bench_plpgsql.lead_event
			(lead_id, happened_at, kind, to_value, rep_id, details)
		VALUES (NEW.lead_id, NEW.sla_started_at, 'sla_started',
				NEW.sla_due_at::text, NEW.rep_id,
				jsonb_build_object('policy_id', NEW.policy_id,
								   'sla_due_at', NEW.sla_due_at));
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER bench_plpgsql_lead_before
	BEFORE INSERT ON bench_plpgsql.lead
	FOR EACH ROW EXECUTE FUNCTION bench_plpgsql.lead_before();
CREATE TRIGGER bench_plpgsql_lead_after
	AFTER INSERT ON bench_plpgsql.lead
	FOR EACH ROW EXECUTE FUNCTION bench_plpgsql.lead_after();
