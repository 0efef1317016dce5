
-- sql/0.1.0/05_cache.sql: the statement trigger that keeps every session's
-- cached configuration current.

CREATE FUNCTION leadflow.config_changed()
RETURNS trigger LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_config_changed';

COMMENT ON FUNCTION leadflow.config_changed() IS
'AFTER statement trigger on a configuration table: makes every session reload its cached copy of the table once the change is visible to it.';
