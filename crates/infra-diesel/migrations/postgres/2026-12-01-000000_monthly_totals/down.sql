DROP TRIGGER billing_event_totals_on_truncate ON billing_events;
DROP TRIGGER billing_event_totals_on_delete ON billing_events;
DROP TRIGGER billing_event_totals_on_update ON billing_events;
DROP TRIGGER billing_event_totals_on_insert ON billing_events;
DROP FUNCTION billing_event_totals_clear();
DROP FUNCTION billing_event_totals_change();
DROP FUNCTION billing_event_month(timestamptz);
DROP TABLE billing_event_total_changes;
DROP TABLE billing_event_totals;
