
-- sql/0.1.0/02_stamp.sql: the updated_at row trigger.

CREATE FUNCTION leadflow.stamp_updated_at()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'leadflow_stamp_updated_at';

COMMENT ON FUNCTION leadflow.stamp_updated_at() IS
'BEFORE INSERT OR UPDATE row trigger: sets the timestamptz column updated_at to now(), the transaction start time.';
