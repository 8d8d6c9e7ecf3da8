//! The diesel view of the SQLite migrations.

diesel::table! {
    billing_events (billing_event_guid) {
        billing_event_guid -> Text,
        client_name -> Text,
        member_unique_key -> Text,
        event_date_time -> BigInt,
        event_type_id -> SmallInt,
        status_id -> SmallInt,
        quantity -> Text,
        price -> Text,
        modified_date_time -> BigInt,
        revision -> Integer,
    }
}

diesel::table! {
    billing_event_history (id) {
        id -> BigInt,
        billing_event_guid -> Text,
        from_status_id -> Nullable<SmallInt>,
        to_status_id -> SmallInt,
        changed_at -> BigInt,
        tx_id -> Text,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        client_name -> Nullable<Text>,
        label -> Nullable<Text>,
        key_hash -> Binary,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}
