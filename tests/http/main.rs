//! Black-box tests: the real application on port 0 with its own database, over HTTP.
//!
//! Every case runs on a fresh SQLite file, and on a fresh PostgreSQL database with the
//! `postgres-tests` feature (which `make test` turns on when a server answers, and CI
//! always does).

mod access;
mod batch;
mod disk;
mod docs;
mod dotnet;
mod errors;
#[cfg(feature = "postgres-tests")]
mod failover;
mod formats;
mod helpers;
mod hostile;
mod limits;
mod listing;
#[cfg(feature = "postgres-tests")]
mod outage;
mod posting;
mod reading;
mod roundtrip;
mod settling;
mod slow;

macro_rules! http_suite {
    ($backend:ident, $database:expr) => {
        mod $backend {
            use crate::helpers::TestApp;

            async fn app() -> TestApp {
                TestApp::spawn(Box::new($database)).await
            }

            http_suite!(@cases
                posting::the_seed_sample_is_stored_as_sent,
                posting::posting_the_same_event_again_returns_the_stored_one,
                posting::different_content_under_a_taken_guid_is_a_conflict,
                posting::twenty_concurrent_identical_posts_store_one_event,
                posting::pascal_case_and_any_case_property_names_are_accepted,
                posting::text_json_with_a_charset_is_json,
                posting::route_literals_match_in_any_case,
                posting::a_missing_or_empty_guid_gets_a_new_one,
                posting::every_dotnet_guid_format_names_the_same_event,
                posting::amounts_keep_every_digit,
                posting::amounts_are_strings_for_a_client_that_asks,
                reading::a_stored_event_reads_back_with_fresh_system_fields,
                reading::an_unknown_guid_is_404_and_a_non_guid_is_400,
                reading::health_and_readiness_answer_while_the_database_does,
                errors::every_bad_field_is_named_at_once,
                errors::missing_required_fields_and_wrong_kinds_are_named,
                errors::malformed_json_is_400,
                errors::other_content_types_are_415,
                errors::a_body_over_the_limit_is_413,
                errors::unknown_routes_are_404_and_wrong_methods_405,
                errors::a_corrupt_stored_row_is_a_503_without_internals,
                formats::every_request_sample_is_accepted_as_the_same_event,
                formats::xml_bodies_take_any_case_any_order_nil_and_unknown_elements,
                formats::xml_and_form_errors_name_each_field,
                formats::doctypes_and_entities_are_refused_and_nothing_is_stored,
                formats::malformed_xml_is_400,
                formats::xml_responses_follow_the_contract,
                formats::every_route_answers_in_the_negotiated_format,
                formats::xml_answers_list_members_in_data_contract_order,
                formats::dotnet_text_encodings_are_read_and_others_are_415,
                dotnet::a_date_time_offset_is_stored_as_its_instant,
                dotnet::a_data_contract_json_date_is_its_instant,
                dotnet::problems_carry_web_api_members_under_the_type_asked_for,
                dotnet::a_trailing_slash_is_routed_and_head_answers_as_get,
                docs::every_request_sample_on_the_help_page_is_accepted,
                docs::every_request_example_in_the_openapi_document_is_accepted,
                docs::the_generators_document_examples_are_accepted_as_json,
                settling::patch_moves_the_status_and_the_etag,
                settling::a_forbidden_move_is_409_naming_both_statuses,
                settling::a_stale_if_match_is_412_and_only_one_of_two_racers_wins,
                settling::patch_refuses_other_fields_and_takes_xml,
                settling::history_lists_creation_and_changes_with_their_txids,
                settling::bulk_settlement_answers_per_guid_and_is_safe_to_retry,
                settling::bulk_settlement_refuses_bad_requests_whole,
                settling::ten_thousand_guids_settle_in_one_request,
                listing::pages_walk_a_clients_events_once_in_order,
                listing::a_walk_sees_each_event_once_while_events_arrive,
                listing::every_filter_narrows_the_listing,
                listing::bad_listing_parameters_are_named,
                listing::listings_come_in_xml_too,
                listing::summaries_are_exact_and_grouped,
                batch::each_item_is_answered_as_a_single_post_would_be,
                batch::a_batch_over_the_item_limit_stores_nothing,
                batch::a_thousand_items_are_stored_in_one_request,
                batch::xml_batches_use_an_array_of_events,
                batch::concurrent_posts_of_overlapping_guids_store_each_once,
                access::every_route_admits_only_the_right_caller,
                access::a_client_key_names_its_client_where_the_path_does_not,
                access::a_foreign_guid_in_a_bulk_settlement_is_not_found,
                access::keys_are_read_from_either_header_and_any_bad_key_is_401,
                hostile::odd_methods_never_become_metric_labels,
                hostile::percent_encoded_api_paths_need_a_key_like_any_other,
                hostile::a_batch_over_the_item_limit_is_refused_while_it_is_read,
                hostile::a_settlement_naming_too_many_or_many_bad_guids_answers_briefly,
                hostile::text_xml_cannot_carry_is_refused_in_every_format,
                hostile::xml_answers_stay_well_formed_whatever_the_request_held,
                hostile::lenient_decodings_are_refused,
                hostile::zero_keeps_its_scale_as_sent,
                hostile::if_match_takes_any_tag_of_its_list_compared_as_text,
                hostile::another_clients_summary_looks_like_an_empty_one,
                hostile::a_long_xml_field_name_echo_is_cut,
                hostile::a_repeated_bad_query_value_is_one_reason,
                hostile::a_batch_under_no_client_name_is_refused_whole,
            );
        }
    };
    (@cases $($module:ident :: $case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                crate::$module::$case(app().await).await;
            }
        )+
    };
}

http_suite!(sqlite, infra_diesel::test_support::TempSqlite::new());

#[cfg(feature = "postgres-tests")]
http_suite!(postgres, infra_diesel::test_support::TempPostgres::new());

#[cfg(feature = "postgres-tests")]
mod postgres_outage {
    use crate::helpers::TestApp;
    use infra_diesel::test_support::TempPostgres;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_lost_database_makes_ready_and_writes_answer_503() {
        let database = Arc::new(TempPostgres::new());
        let app = TestApp::spawn_with(
            Box::new(database.clone()),
            &[("BILLING__DATABASE__CONNECT_TIMEOUT_MS", "500")],
        )
        .await;
        assert_eq!(app.get("/ready").await.status, 200);
        database.drop_now();
        let ready = app.get("/ready").await;
        assert_eq!(ready.status, 503, "{}", ready.text);
        assert_eq!(ready.header("retry-after"), "1");
        let post = app
            .post_json("/api/v1/BillingEvents/acme", crate::helpers::SEED_SAMPLE)
            .await;
        assert_eq!(post.status, 503, "{}", post.text);
        assert_eq!(post.json()["status"], 503);
    }
}
