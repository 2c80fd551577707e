-- final/daily_sales for a range of business days: one row per (business_date, store_id, product_id).
-- Athena engine 3 (Trino) SQL; local mode runs it on DuckDB through sqlglot. Parameters: first day, last day.
-- The partition column comes last, as Athena's INSERT INTO a partitioned table requires.
INSERT INTO final.daily_sales
SELECT
    store_id,
    product_id,
    MAX(product_name) AS product_name,
    MAX(category) AS category,
    MAX(brand) AS brand,
    CAST(SUM(CASE WHEN quantity > 0 THEN quantity ELSE 0 END) AS BIGINT) AS units_sold,
    CAST(-SUM(CASE WHEN quantity < 0 THEN quantity ELSE 0 END) AS BIGINT) AS units_returned,
    CAST(SUM(CASE WHEN quantity > 0 THEN line_amount ELSE 0 END) AS DECIMAL(18, 4)) AS gross_revenue,
    CAST(-SUM(CASE WHEN quantity < 0 THEN line_amount ELSE 0 END) AS DECIMAL(18, 4)) AS returns_amount,
    CAST(SUM(line_amount) AS DECIMAL(18, 4)) AS net_revenue,
    COUNT(DISTINCT transaction_id) AS transactions,
    COUNT(DISTINCT customer_id) AS customers,
    business_date
FROM cleaned.sales
WHERE business_date BETWEEN ? AND ?
GROUP BY business_date, store_id, product_id
