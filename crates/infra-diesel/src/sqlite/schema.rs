//! The diesel view of the SQLite migrations.

// Declared by guid, the key every query uses; the integer row id only links history
// lines to their event (see the migration history_by_event_row).
diesel::table! {
    billing_events (billing_event_guid) {
        id -> BigInt,
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
        event_id -> BigInt,
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

// An event's history is read by a subquery on its guid.
diesel::allow_tables_to_appear_in_same_query!(billing_events, billing_event_history);
