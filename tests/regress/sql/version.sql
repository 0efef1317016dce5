-- tests/regress/sql/version.sql: the SQL-to-C path and the stamp trigger.

-- The loaded library reports the same version as the installed objects.
SELECT leadflow.version() = extversion AS library_matches_extension
FROM pg_extension WHERE extname = 'leadflow';

-- The library was preloaded, so the leadflow. prefix is reserved.
SHOW leadflow.launcher_naptime;
SET leadflow.no_such_setting = 1;

-- stamp_updated_at sets updated_at on insert and on update.
CREATE TABLE stamped (id int PRIMARY KEY, v int, updated_at timestamptz);
CREATE TRIGGER stamped_stamp BEFORE INSERT OR UPDATE ON stamped
	FOR EACH ROW EXECUTE FUNCTION leadflow.stamp_updated_at();
BEGIN;
INSERT INTO stamped VALUES (1, 1, '2000-01-01');
SELECT v, updated_at = now() AS stamped_now FROM stamped;
COMMIT;
UPDATE stamped SET v = 2, updated_at = '2000-01-01';
SELECT v, updated_at > '2000-01-01' AS stamped_again FROM stamped;

-- A table without the column is refused with a clear message.
CREATE TABLE unstamped (id int);
CREATE TRIGGER unstamped_stamp BEFORE INSERT ON unstamped
	FOR EACH ROW EXECUTE FUNCTION leadflow.stamp_updated_at();
INSERT INTO unstamped VALUES (1);

-- Fired AFTER, it refuses to run instead of silently doing nothing.
CREATE TRIGGER stamped_after AFTER INSERT ON stamped
	FOR EACH ROW EXECUTE FUNCTION leadflow.stamp_updated_at();
INSERT INTO stamped VALUES (2, 2, NULL);

DROP TABLE stamped, unstamped;
