-- final/sales_by_day: one row per business day over every store (Athena engine 3 SQL; DuckDB locally).
-- Parameters: first day, last day. Distinct counts need the cleaned rows: daily_sales counts per product.
-- A receipt number is unique within its store only, so a transaction is a (store_id, transaction_id) pair.
INSERT INTO final.sales_by_day
SELECT
    CAST(SUM(CASE WHEN quantity > 0 THEN quantity ELSE 0 END) AS BIGINT) AS units_sold,
    CAST(-SUM(CASE WHEN quantity < 0 THEN quantity ELSE 0 END) AS BIGINT) AS units_returned,
    CAST(SUM(CASE WHEN quantity > 0 THEN line_amount ELSE 0 END) AS DECIMAL(18, 4)) AS gross_revenue,
    CAST(-SUM(CASE WHEN quantity < 0 THEN line_amount ELSE 0 END) AS DECIMAL(18, 4)) AS returns_amount,
    CAST(SUM(line_amount) AS DECIMAL(18, 4)) AS net_revenue,
    COUNT(DISTINCT CONCAT(store_id, CHR(31), transaction_id)) AS transactions,
    COUNT(DISTINCT customer_id) AS customers,
    business_date
FROM cleaned.sales
WHERE business_date BETWEEN ? AND ?
GROUP BY business_date
