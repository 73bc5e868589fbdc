-- Run once by the mysql:8.0 image when its data directory is created.
-- The account Tidewater reads with: SELECT for the full copy, REPLICATION SLAVE and
-- REPLICATION CLIENT for the binlog. Change the password (and the task spec) before real use.
CREATE USER IF NOT EXISTS 'tidewater'@'%' IDENTIFIED BY 'tidewater-change-me';
GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'tidewater'@'%';
