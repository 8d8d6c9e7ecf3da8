-- Billing events on PostgreSQL, in native types: uuid, numeric without a fixed scale
-- (so 6.0 stays 6.0 and 2.50 stays 2.50) and timestamptz (microseconds, UTC).
CREATE TABLE billing_events (
    billing_event_guid uuid PRIMARY KEY,
    client_name text NOT NULL,
    member_unique_key text NOT NULL,
    event_date_time timestamptz NOT NULL,
    event_type_id smallint NOT NULL,
    status_id smallint NOT NULL,
    quantity numeric NOT NULL,
    price numeric NOT NULL,
    modified_date_time timestamptz NOT NULL
);
