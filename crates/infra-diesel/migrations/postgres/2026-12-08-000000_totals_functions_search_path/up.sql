-- The totals functions name their tables without a schema. pg_restore empties
-- search_path, so a restore's COPY into billing_events failed in its trigger ("relation
-- billing_event_total_changes does not exist"). Each function now carries the
-- search_path it was made under, and pg_dump writes it into the function it dumps.
ALTER FUNCTION billing_event_totals_change() SET search_path FROM CURRENT;
ALTER FUNCTION billing_event_totals_clear() SET search_path FROM CURRENT;
