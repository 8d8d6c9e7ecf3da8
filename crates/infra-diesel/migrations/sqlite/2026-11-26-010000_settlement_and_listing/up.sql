-- Settlement: a revision per event (what ETags name) and an audit history written in the
-- same transaction as each change. Listing and summaries: one index per filter, each
-- ending in the listing order (event_date_time, billing_event_guid).
ALTER TABLE billing_events ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

CREATE TABLE billing_event_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    billing_event_guid TEXT NOT NULL REFERENCES billing_events (billing_event_guid),
    from_status_id SMALLINT,
    to_status_id SMALLINT NOT NULL,
    changed_at BIGINT NOT NULL,
    tx_id TEXT NOT NULL
);
CREATE INDEX billing_event_history_by_event ON billing_event_history (billing_event_guid, id);

-- Events stored before this migration get their creation in the history.
INSERT INTO billing_event_history (billing_event_guid, from_status_id, to_status_id, changed_at, tx_id)
SELECT billing_event_guid, NULL, status_id, modified_date_time, 'migration' FROM billing_events;

CREATE INDEX billing_events_by_client_time ON billing_events (client_name, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_member ON billing_events (client_name, member_unique_key, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_type ON billing_events (client_name, event_type_id, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_status ON billing_events (client_name, status_id, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_modified ON billing_events (client_name, modified_date_time);
