
-- sql/0.1.0/85_worker_trigger_rights.sql: the worker's bookkeeping
-- triggers run with the rights of the extension's owner.  An application
-- role that may write leads and touches needs no privilege on the dirty
-- bucket list or the escalation queue; each function pins search_path.

ALTER FUNCTION leadflow.worker_lead_updated() SECURITY DEFINER;
ALTER FUNCTION leadflow.worker_lead_deleted() SECURITY DEFINER;

REVOKE ALL ON FUNCTION leadflow.worker_lead_updated() FROM PUBLIC;
REVOKE ALL ON FUNCTION leadflow.worker_lead_deleted() FROM PUBLIC;
