-- Totals per client, UTC month, type and status, kept by the database as events are
-- written, so that a summary of whole months reads a few rows instead of every event.
--
-- Writers only append to billing_event_total_changes, one row per key their statement
-- touched: no writer updates a row another may hold, so a busy client's month is never
-- a lock that writers queue on or deadlock over. The service folds the changes into
-- billing_event_totals in the background. A summary adds both tables, so it is exact
-- whether or not the latest changes are folded yet.
CREATE TABLE billing_event_totals (
    client_name text NOT NULL,
    month timestamptz NOT NULL,
    event_type_id smallint NOT NULL,
    status_id smallint NOT NULL,
    event_count bigint NOT NULL,
    total_quantity numeric NOT NULL,
    total_amount numeric NOT NULL,
    PRIMARY KEY (client_name, month, event_type_id, status_id)
);

CREATE TABLE billing_event_total_changes (
    client_name text NOT NULL,
    month timestamptz NOT NULL,
    event_type_id smallint NOT NULL,
    status_id smallint NOT NULL,
    event_count bigint NOT NULL,
    total_quantity numeric NOT NULL,
    total_amount numeric NOT NULL
);
CREATE INDEX billing_event_total_changes_by_client ON billing_event_total_changes (client_name, month);

-- The first instant of the UTC month of `at`, whatever the session's time zone.
CREATE FUNCTION billing_event_month(at timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' $$;

-- Once per statement, over the rows it wrote (its transition tables): each key's change.
CREATE FUNCTION billing_event_totals_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO billing_event_total_changes
        SELECT client_name, billing_event_month(event_date_time), event_type_id, status_id,
               count(*), sum(quantity), sum(quantity * price)
        FROM new_events GROUP BY 1, 2, 3, 4;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO billing_event_total_changes
        SELECT client_name, month, event_type_id, status_id, sum(n), sum(q), sum(a)
        FROM (
            SELECT client_name, billing_event_month(event_date_time) AS month, event_type_id,
                   status_id, -1 AS n, -quantity AS q, -(quantity * price) AS a
            FROM old_events
            UNION ALL
            SELECT client_name, billing_event_month(event_date_time), event_type_id,
                   status_id, 1, quantity, quantity * price
            FROM new_events
        ) AS change
        GROUP BY 1, 2, 3, 4
        HAVING sum(n) <> 0 OR sum(q) <> 0 OR sum(a) <> 0;
    ELSE
        INSERT INTO billing_event_total_changes
        SELECT client_name, billing_event_month(event_date_time), event_type_id, status_id,
               -count(*), -sum(quantity), -sum(quantity * price)
        FROM old_events GROUP BY 1, 2, 3, 4;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER billing_event_totals_on_insert AFTER INSERT ON billing_events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION billing_event_totals_change();
CREATE TRIGGER billing_event_totals_on_update AFTER UPDATE ON billing_events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION billing_event_totals_change();
CREATE TRIGGER billing_event_totals_on_delete AFTER DELETE ON billing_events
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION billing_event_totals_change();

CREATE FUNCTION billing_event_totals_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE billing_event_totals, billing_event_total_changes;
    RETURN NULL;
END $$;
CREATE TRIGGER billing_event_totals_on_truncate AFTER TRUNCATE ON billing_events
    FOR EACH STATEMENT EXECUTE FUNCTION billing_event_totals_clear();

-- Events stored before this migration. The triggers above already hold the table's
-- lock, so no write can slip between this sum and them.
INSERT INTO billing_event_totals
SELECT client_name, billing_event_month(event_date_time), event_type_id, status_id,
       count(*), sum(quantity), sum(quantity * price)
FROM billing_events GROUP BY 1, 2, 3, 4;
