DROP INDEX billing_events_by_client_modified;
DROP INDEX billing_events_by_client_status;
DROP INDEX billing_events_by_client_type;
DROP INDEX billing_events_by_client_member;
DROP INDEX billing_events_by_client_time;
DROP TABLE billing_event_history;
ALTER TABLE billing_events DROP COLUMN revision;
