-- The listing's time index carries every listed column (INCLUDE), so that a page of a
-- client whose heap pages are marked all-visible (vacuumed) is an index-only scan of a
-- few index pages, not a hundred heap pages: rows are stored in the order they arrive.
--
-- Built beside the old index, which is dropped last: while it builds, this transaction
-- holds a SHARE lock (reads go on, writes wait); the ACCESS EXCLUSIVE lock of the drop
-- and rename is taken at the end and held only until the commit.
CREATE INDEX billing_events_by_client_time_covering ON billing_events (client_name, event_date_time, billing_event_guid)
    INCLUDE (member_unique_key, event_type_id, status_id, quantity, price, modified_date_time, revision);
DROP INDEX billing_events_by_client_time;
ALTER INDEX billing_events_by_client_time_covering RENAME TO billing_events_by_client_time;
