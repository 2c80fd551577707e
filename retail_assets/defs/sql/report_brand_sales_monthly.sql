-- final/brand_sales_monthly: one row per month and brand (Athena engine 3 SQL; DuckDB locally).
-- Parameters: the first days of the first and the last month. The partition column holds the month's first day.
INSERT INTO final.brand_sales_monthly
SELECT
    SUBSTR(business_date, 1, 7) AS month,
    COALESCE(NULLIF(brand, ''), '(none)') AS brand,
    CAST(SUM(units_sold) AS BIGINT) AS units_sold,
    CAST(SUM(units_returned) AS BIGINT) AS units_returned,
    CAST(SUM(gross_revenue) AS DECIMAL(18, 4)) AS gross_revenue,
    CAST(SUM(returns_amount) AS DECIMAL(18, 4)) AS returns_amount,
    CAST(SUM(net_revenue) AS DECIMAL(18, 4)) AS net_revenue,
    CONCAT(SUBSTR(business_date, 1, 7), '-01') AS business_date
FROM final.daily_sales
WHERE SUBSTR(business_date, 1, 7) BETWEEN SUBSTR(?, 1, 7) AND SUBSTR(?, 1, 7)
GROUP BY SUBSTR(business_date, 1, 7), COALESCE(NULLIF(brand, ''), '(none)')
