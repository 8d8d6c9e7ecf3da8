-- API keys: only the SHA-256 of each key is kept. A NULL client marks an admin key,
-- which may act for every client.
CREATE TABLE api_keys (
    id text PRIMARY KEY,
    client_name text,
    label text,
    key_hash bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX api_keys_by_client ON api_keys (client_name, created_at);
