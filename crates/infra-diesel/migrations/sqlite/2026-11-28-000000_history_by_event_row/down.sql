-- Back to history keyed by guid and events keyed by guid alone.
CREATE TABLE billing_events_by_guid (
    billing_event_guid TEXT PRIMARY KEY NOT NULL CHECK (length(billing_event_guid) = 36),
    client_name TEXT NOT NULL,
    member_unique_key TEXT NOT NULL,
    event_date_time BIGINT NOT NULL,
    event_type_id SMALLINT NOT NULL,
    status_id SMALLINT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT NOT NULL,
    modified_date_time BIGINT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
INSERT INTO billing_events_by_guid
SELECT billing_event_guid, client_name, member_unique_key, event_date_time, event_type_id,
       status_id, quantity, price, modified_date_time, revision
FROM billing_events;

CREATE TABLE billing_event_history_by_guid (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    billing_event_guid TEXT NOT NULL REFERENCES billing_events_by_guid (billing_event_guid),
    from_status_id SMALLINT,
    to_status_id SMALLINT NOT NULL,
    changed_at BIGINT NOT NULL,
    tx_id TEXT NOT NULL
);
INSERT INTO billing_event_history_by_guid (id, billing_event_guid, from_status_id, to_status_id, changed_at, tx_id)
SELECT h.id, e.billing_event_guid, h.from_status_id, h.to_status_id, h.changed_at, h.tx_id
FROM billing_event_history h
JOIN billing_events e ON e.id = h.event_id;

DROP TABLE billing_event_history;
DROP TABLE billing_events;
ALTER TABLE billing_events_by_guid RENAME TO billing_events;
ALTER TABLE billing_event_history_by_guid RENAME TO billing_event_history;

CREATE INDEX billing_event_history_by_event ON billing_event_history (billing_event_guid, id);
CREATE INDEX billing_events_by_client_time ON billing_events (client_name, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_member ON billing_events (client_name, member_unique_key, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_type ON billing_events (client_name, event_type_id, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_status ON billing_events (client_name, status_id, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_modified ON billing_events (client_name, modified_date_time);
