
-- sql/0.1.0/01_version.sql: the library's version, proving the SQL-to-C path.

CREATE FUNCTION leadflow.version()
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadflow_version';

COMMENT ON FUNCTION leadflow.version() IS
'Version of the loaded leadflow library.';
