ALTER FUNCTION billing_event_totals_change() RESET search_path;
ALTER FUNCTION billing_event_totals_clear() RESET search_path;
