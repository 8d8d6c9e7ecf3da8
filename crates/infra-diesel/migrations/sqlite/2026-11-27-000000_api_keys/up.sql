-- API keys: only the SHA-256 of each key is kept. A NULL client marks an admin key,
-- which may act for every client. Instants are integer microseconds, as elsewhere.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    client_name TEXT,
    label TEXT,
    key_hash BLOB NOT NULL CHECK (length(key_hash) = 32),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_by_client ON api_keys (client_name, created_at);
