-- tests/regress/sql/contact.sql: phone and e-mail normalisation functions
-- and the leadflow.default_region setting.

-- Declared attributes: volatility, strictness, parallel safety.
SELECT proname, provolatile, proisstrict, proparallel, pronargdefaults
FROM pg_proc
WHERE pronamespace = 'leadflow'::regnamespace
  AND proname IN ('normalize_phone', 'normalize_email')
ORDER BY proname;

-- The default region is Vietnam.
SHOW leadflow.default_region;

-- Vietnamese numbers in current and retired forms.
SELECT raw, p.*
FROM (VALUES
	('0912 345 678'),
	('0912 345 678'),
	('+84 912 345 678'),
	('0084 912 345 678'),
	('84912345678'),
	('+84 0912 345 678'),
	('0162 765 4321'),
	('0120 765 4321'),
	('0199 765 4321'),
	('024 3826 1234'),
	('04 3826 1234'),
	('(08) 3829 1234'),
	('08 3829 1234'),
	('0511 382 2222'),
	('031 382 2222'),
	('0210 382 2222'),
	('1800 1234')
) AS t(raw), leadflow.normalize_phone(raw) AS p;

-- Foreign numbers, with the default region and with their own.
SELECT raw, region, p.*
FROM (VALUES
	('+1 650-253-0000', NULL),
	('(650) 253-0000', 'US'),
	('(650) 253-0000', NULL),
	('030 901820', 'DE'),
	('030 901820', NULL),
	('01512 3456789', 'de'),
	('098765 43210', 'IN'),
	('(11) 91234-5678', 'BR')
) AS t(raw, region), leadflow.normalize_phone(raw, region) AS p;

-- Inputs that are not numbers.
SELECT label, p.*
FROM (VALUES
	('empty', ''),
	('spaces', '   '),
	('no-break spaces', '  '),
	('letters', 'call me maybe'),
	('too short', '12'),
	('too long', '0912 345 678 901'),
	('10 kB of digits', repeat('9', 10240)),
	('Latin-1 read as UTF-8', 'Ã©Ã¨Ã¿'),
	('digits between odd characters', '0912ÿ345þ678'),
	('unknown country code', '+999 1234 5678')
) AS t(label, raw), leadflow.normalize_phone(raw) AS p;

-- A NULL number gives a NULL row; a NULL region means the setting.
SELECT * FROM leadflow.normalize_phone(NULL);
SELECT * FROM leadflow.normalize_phone(NULL, 'US');
SELECT * FROM leadflow.normalize_phone('0912 345 678', NULL);

-- Regions the library does not know are refused.
SELECT * FROM leadflow.normalize_phone('0912 345 678', 'XX');
SELECT * FROM leadflow.normalize_phone('0912 345 678', 'ZZ');
SELECT * FROM leadflow.normalize_phone('0912 345 678', '');
SELECT * FROM leadflow.normalize_phone('0912 345 678', 'VNM');

-- The setting: any case is accepted and stored upper-case.
SET leadflow.default_region = 'us';
SHOW leadflow.default_region;
SELECT * FROM leadflow.normalize_phone('(650) 253-0000');
SELECT * FROM leadflow.normalize_phone('0912 345 678');
SET leadflow.default_region = 'XX';
SET leadflow.default_region = '';
SET leadflow.default_region = 'Vietnam';
SHOW leadflow.default_region;
BEGIN;
SET LOCAL leadflow.default_region = 'DE';
SELECT phone, valid FROM leadflow.normalize_phone('030 901820');
COMMIT;
RESET leadflow.default_region;
SHOW leadflow.default_region;
SELECT phone, valid FROM leadflow.normalize_phone('030 901820');

-- E-mail addresses.
SELECT raw, e.*
FROM (VALUES
	('john.doe@example.com'),
	('  John.Doe@Example.COM  '),
	(' john@example.com '),
	('　john@example.com　'),
	('John.Doe+leads@Gmail.com'),
	('j.o.h.n.d.o.e@googlemail.com'),
	('+news@gmail.com'),
	('john+x@example.com'),
	('john..doe@example.com'),
	('.john@example.com'),
	('john.@example.com'),
	('john@example..com'),
	('john@example.com.'),
	('john.example.com'),
	('John@Doe@Example.COM'),
	('@example.com'),
	('john@'),
	('john@localhost'),
	('john doe@example.com'),
	('user@bücher.DE'),
	('nguyễn@ví-dụ.vn'),
	('user@xn--bcher-kva.de'),
	('user@ex_ample.com'),
	('Ã©@example.com'),
	(''),
	('   ')
) AS t(raw), leadflow.normalize_email(raw) AS e;

-- NULL in, NULL row out; 10 kB is kept whole but is not an address.
SELECT * FROM leadflow.normalize_email(NULL);
SELECT length(email), valid, match_key, problem
FROM leadflow.normalize_email(repeat('a', 10229) || '@example.com');

-- Match keys find the same Gmail mailbox written three ways.
SELECT match_key, count(*)
FROM (VALUES ('JohnDoe@gmail.com'), ('john.doe+ads@googlemail.com'),
	(' J.O.H.N.Doe@Gmail.Com ')) AS t(raw),
	leadflow.normalize_email(raw)
GROUP BY match_key;

-- Named arguments.
SELECT phone, valid FROM leadflow.normalize_phone(region => 'BR', raw => '(11) 3456-7890');
