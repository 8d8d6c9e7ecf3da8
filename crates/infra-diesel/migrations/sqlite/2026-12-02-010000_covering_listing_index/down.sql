DELETE FROM sqlite_stat1 WHERE tbl = 'billing_events';
DROP INDEX billing_events_by_client_time;
CREATE INDEX billing_events_by_client_time ON billing_events (client_name, event_date_time, billing_event_guid);
