//! The diesel view of the PostgreSQL migrations.

diesel::table! {
    billing_events (billing_event_guid) {
        billing_event_guid -> Uuid,
        client_name -> Text,
        member_unique_key -> Text,
        event_date_time -> Timestamptz,
        event_type_id -> SmallInt,
        status_id -> SmallInt,
        quantity -> Numeric,
        price -> Numeric,
        modified_date_time -> Timestamptz,
        revision -> Integer,
    }
}

diesel::table! {
    billing_event_history (id) {
        id -> BigInt,
        billing_event_guid -> Uuid,
        from_status_id -> Nullable<SmallInt>,
        to_status_id -> SmallInt,
        changed_at -> Timestamptz,
        tx_id -> Text,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        client_name -> Nullable<Text>,
        label -> Nullable<Text>,
        key_hash -> Bytea,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}
