-- The listing's time index carries every listed column, so that a page of a client's
-- events is read from the index alone, not from a hundred scattered table pages (rows
-- are stored in the order they arrive). SQLite has no INCLUDE: the columns follow the
-- key. The old index goes first, so the file never holds both.
DROP INDEX billing_events_by_client_time;
CREATE INDEX billing_events_by_client_time ON billing_events (
    client_name, event_date_time, billing_event_guid,
    member_unique_key, event_type_id, status_id, quantity, price, modified_date_time, revision
);

-- SQLite keeps no statistics until someone runs ANALYZE, and without them its planner
-- prefers this index for every listing, since it needs no table reads: a page of one
-- member's events would walk the client's whole history. These rows describe the data
-- the indexes are for instead: clients of 10,000 events, and each filter (member, type,
-- status) narrowing a client to a few, so that each filter reads its own index, whose
-- cost is bounded by the page it returns. `ANALYZE sqlite_schema` creates the table
-- without reading any other, and makes connections reload the rows.
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1 WHERE tbl = 'billing_events';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('billing_events', 'billing_events_by_client_time', '10000000 10000 1 1 1 1 1 1 1 1 1'),
    ('billing_events', 'billing_events_by_client_member', '10000000 10000 10 1 1'),
    ('billing_events', 'billing_events_by_client_type', '10000000 10000 10 1 1'),
    ('billing_events', 'billing_events_by_client_status', '10000000 10000 10 1 1'),
    ('billing_events', 'billing_events_by_client_modified', '10000000 10000 1'),
    ('billing_events', 'sqlite_autoindex_billing_events_1', '10000000 1');
ANALYZE sqlite_schema;
