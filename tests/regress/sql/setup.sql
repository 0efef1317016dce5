-- tests/regress/sql/setup.sql: installs leadflow for the tests that follow.
CREATE EXTENSION leadflow;
SELECT extname, extversion, extrelocatable, nspname
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'leadflow';
