-- Billing events on SQLite. Exactness over convenience:
--   amounts are TEXT holding the canonical decimal as sent ("6.0" stays "6.0"), because
--   SQLite's REAL (and diesel's Numeric on SQLite) would go through a float;
--   instants are INTEGER microseconds since the Unix epoch, UTC, the same precision
--   PostgreSQL keeps, and they sort correctly.
CREATE TABLE billing_events (
    billing_event_guid TEXT PRIMARY KEY NOT NULL CHECK (length(billing_event_guid) = 36),
    client_name TEXT NOT NULL,
    member_unique_key TEXT NOT NULL,
    event_date_time BIGINT NOT NULL,
    event_type_id SMALLINT NOT NULL,
    status_id SMALLINT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT NOT NULL,
    modified_date_time BIGINT NOT NULL
) WITHOUT ROWID;
