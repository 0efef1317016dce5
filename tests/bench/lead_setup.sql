-- tests/bench/lead_setup.sql: what the lead write-path benchmarks
-- (lead_insert.sh, lead_copy.sh) need on their throwaway server.
--
-- leadflow's configuration: one working calendar (Asia/Ho_Chi_Minh,
-- Monday to Friday 08:00-12:00 and 13:00-17:30, Vietnamese public
-- holidays of 2026), three campaigns and two SLA policies.  Then three
-- tables of the same shape, columns, checks, indexes and foreign keys:
--   leadflow.lead       with leadflow's own triggers (from CREATE EXTENSION)
--   bench_plain.lead    without any trigger: the floor
--   bench_plpgsql.lead  with the PL/pgSQL baseline (plpgsql_baseline.sql)
-- each with its own lead_event table.  Safe to run again on the same
-- server: the copies are rebuilt, configuration rows are kept.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS leadflow;

INSERT INTO leadflow.calendar (name, time_zone)
VALUES ('bench Ho Chi Minh office', 'Asia/Ho_Chi_Minh')
ON CONFLICT (name) DO NOTHING;

INSERT INTO leadflow.calendar_hours (calendar_id, weekday, opens, closes)
SELECT c.calendar_id, d, h.opens, h.closes
FROM leadflow.calendar c,
	generate_series(1, 5) d,
	(VALUES (time '08:00', time '12:00'),
			(time '13:00', time '17:30')) h (opens, closes)
WHERE c.name = 'bench Ho Chi Minh office'
ON CONFLICT DO NOTHING;

INSERT INTO leadflow.calendar_holiday (calendar_id, holiday, name)
SELECT c.calendar_id, h.day, h.name
FROM leadflow.calendar c,
	(VALUES (date '2026-01-01', 'New Year'),
			('2026-02-16', 'Tet'), ('2026-02-17', 'Tet'),
			('2026-02-18', 'Tet'), ('2026-02-19', 'Tet'),
			('2026-02-20', 'Tet'),
			('2026-04-27', 'Hung Kings'),
			('2026-04-30', 'Reunification Day'),
			('2026-05-01', 'Labour Day'),
			('2026-08-31', 'National Day bridge'),
			('2026-09-01', 'National Day'),
			('2026-09-02', 'National Day'),
			('2027-01-01', 'New Year')) h (day, name)
WHERE c.name = 'bench Ho Chi Minh office'
ON CONFLICT DO NOTHING;

INSERT INTO leadflow.campaign (name, channel, starts_on, ends_on)
VALUES ('Google Ads VN Q3', 'paid_search', '2026-07-01', '2026-09-30'),
	   ('Facebook Lead Ads', 'social', '2026-06-01', NULL),
	   ('Vietnam Expo 2026', 'event', '2026-08-20', '2026-09-10')
ON CONFLICT (name) DO NOTHING;

-- Every lead gets the 2-hour policy, except well-scored event leads,
-- which get a tighter one: the policy match has a real choice to make.
INSERT INTO leadflow.sla_policy
	(name, priority, channel, campaign_id, min_score, calendar_id,
	 allowance, warn_share)
SELECT p.name, p.priority, p.channel, NULL, p.min_score, c.calendar_id,
	p.allowance, 0.75
FROM leadflow.calendar c,
	(VALUES ('bench default', 100, NULL, NULL, interval '2 hours'),
			('bench hot event leads', 10, 'event', 50,
			 interval '1 hour')) p (name, priority, channel, min_score,
									 allowance)
WHERE c.name = 'bench Ho Chi Minh office'
ON CONFLICT (name) DO NOTHING;

-- bench.copy_lead_shape(schema) makes schema.lead and schema.lead_event
-- as copies of leadflow's tables: LIKE ... INCLUDING ALL gives columns,
-- defaults, identities, checks and indexes; the foreign keys are copied
-- from the catalogue, pointing at the copy wherever leadflow's point at
-- leadflow.lead.
CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE FUNCTION bench.copy_lead_shape(target name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	fk record;
	def text;
BEGIN
	EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', target);
	EXECUTE format('CREATE SCHEMA %I', target);
	EXECUTE format('CREATE TABLE %I.lead '
				   '(LIKE leadflow.lead INCLUDING ALL)', target);
	EXECUTE format('CREATE TABLE %I.lead_event '
				   '(LIKE leadflow.lead_event INCLUDING ALL)', target);

	FOR fk IN
		SELECT c.conname, c.confrelid, r.relname,
			pg_get_constraintdef(c.oid) AS def
		FROM pg_constraint c
		JOIN pg_class r ON r.oid = c.conrelid
		WHERE c.contype = 'f'
		  AND c.conrelid IN ('leadflow.lead'::regclass,
							 'leadflow.lead_event'::regclass)
		ORDER BY r.relname, c.conname
	LOOP
		def := fk.def;
		IF fk.confrelid = 'leadflow.lead'::regclass THEN
			def := replace(def, 'REFERENCES leadflow.lead(',
						   format('REFERENCES %I.lead(', target));
		END IF;
		EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s',
					   target, fk.relname, fk.conname, def);
	END LOOP;
END
$$;

SELECT bench.copy_lead_shape('bench_plain');
SELECT bench.copy_lead_shape('bench_plpgsql');

\ir plpgsql_baseline.sql

-- The three tables must not differ in anything but their triggers.
DO $$
DECLARE
	shape text;
	other text;
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['leadflow', 'bench_plain', 'bench_plpgsql']
	LOOP
		SELECT string_agg(x, E'\n' ORDER BY x) INTO other
		FROM (
			SELECT format('%s col %s %s %s %s', c.relname, a.attname,
						  format_type(a.atttypid, a.atttypmod),
						  a.attnotnull, a.attidentity) AS x
			FROM pg_attribute a
			JOIN pg_class c ON c.oid = a.attrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = t AND c.relname IN ('lead', 'lead_event')
			  AND a.attnum > 0 AND NOT a.attisdropped
			UNION ALL
			SELECT format('%s con %s %s', c.relname, k.contype,
						  replace(pg_get_constraintdef(k.oid),
								  'REFERENCES ' || t || '.lead(',
								  'REFERENCES lead('))
			FROM pg_constraint k
			JOIN pg_class c ON c.oid = k.conrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = t AND c.relname IN ('lead', 'lead_event')
			UNION ALL
			SELECT format('%s idx %s', c.relname,
						  regexp_replace(pg_get_indexdef(i.indexrelid),
										 '^.* USING ', ''))
			FROM pg_index i
			JOIN pg_class c ON c.oid = i.indrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = t AND c.relname IN ('lead', 'lead_event')
		) s;
		IF shape IS NULL THEN
			shape := other;
		ELSIF shape IS DISTINCT FROM other THEN
			RAISE EXCEPTION 'bench table %.lead or %.lead_event differs '
				'from leadflow''s', t, t;
		END IF;
	END LOOP;
END
$$;
