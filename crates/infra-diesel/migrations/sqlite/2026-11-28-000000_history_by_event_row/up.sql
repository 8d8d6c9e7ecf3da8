-- History lines point at their event's integer row id instead of its guid.
--
-- Keyed by a random guid, every new event put a history line on a random page of the
-- history index, and every commit wrote that page to the WAL (and, at the next
-- checkpoint, to the database file): about a third of the pages a commit wrote. Row ids
-- grow with every insert, so the lines of new events now append to the end of the
-- index instead. The events table becomes a rowid table for that id; its guid stays
-- unique (the key every query uses) through its own index.
CREATE TABLE billing_events_by_row (
    id INTEGER PRIMARY KEY,
    billing_event_guid TEXT NOT NULL UNIQUE CHECK (length(billing_event_guid) = 36),
    client_name TEXT NOT NULL,
    member_unique_key TEXT NOT NULL,
    event_date_time BIGINT NOT NULL,
    event_type_id SMALLINT NOT NULL,
    status_id SMALLINT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT NOT NULL,
    modified_date_time BIGINT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1
);
INSERT INTO billing_events_by_row (
    billing_event_guid, client_name, member_unique_key, event_date_time, event_type_id,
    status_id, quantity, price, modified_date_time, revision
)
SELECT billing_event_guid, client_name, member_unique_key, event_date_time, event_type_id,
       status_id, quantity, price, modified_date_time, revision
FROM billing_events
ORDER BY modified_date_time, billing_event_guid;

-- Nothing deletes history lines, so a plain rowid (the largest so far plus one) keeps
-- growing without AUTOINCREMENT's extra write to sqlite_sequence on every commit. The
-- lines keep their ids, and so their order.
CREATE TABLE billing_event_history_by_row (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES billing_events_by_row (id),
    from_status_id SMALLINT,
    to_status_id SMALLINT NOT NULL,
    changed_at BIGINT NOT NULL,
    tx_id TEXT NOT NULL
);
INSERT INTO billing_event_history_by_row (id, event_id, from_status_id, to_status_id, changed_at, tx_id)
SELECT h.id, e.id, h.from_status_id, h.to_status_id, h.changed_at, h.tx_id
FROM billing_event_history h
JOIN billing_events_by_row e ON e.billing_event_guid = h.billing_event_guid;

DROP TABLE billing_event_history;
DROP TABLE billing_events;
ALTER TABLE billing_events_by_row RENAME TO billing_events;
ALTER TABLE billing_event_history_by_row RENAME TO billing_event_history;

CREATE INDEX billing_event_history_by_event ON billing_event_history (event_id, id);
CREATE INDEX billing_events_by_client_time ON billing_events (client_name, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_member ON billing_events (client_name, member_unique_key, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_type ON billing_events (client_name, event_type_id, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_status ON billing_events (client_name, status_id, event_date_time, billing_event_guid);
CREATE INDEX billing_events_by_client_modified ON billing_events (client_name, modified_date_time);
