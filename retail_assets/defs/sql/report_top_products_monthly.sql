-- final/top_products_monthly: the ten products with the highest net revenue of each month, ties broken by
-- product_id (Athena engine 3 SQL; DuckDB locally). Parameters: the first days of the first and the last month.
INSERT INTO final.top_products_monthly
SELECT
    month,
    product_rank,
    product_id,
    product_name,
    brand,
    category,
    units_sold,
    units_returned,
    net_revenue,
    CONCAT(month, '-01') AS business_date
FROM (
    SELECT
        per_product.*,
        ROW_NUMBER() OVER (PARTITION BY month ORDER BY net_revenue DESC, product_id) AS product_rank
    FROM (
        SELECT
            SUBSTR(business_date, 1, 7) AS month,
            product_id,
            MAX(product_name) AS product_name,
            MAX(brand) AS brand,
            MAX(category) AS category,
            CAST(SUM(units_sold) AS BIGINT) AS units_sold,
            CAST(SUM(units_returned) AS BIGINT) AS units_returned,
            CAST(SUM(net_revenue) AS DECIMAL(18, 4)) AS net_revenue
        FROM final.daily_sales
        WHERE SUBSTR(business_date, 1, 7) BETWEEN SUBSTR(?, 1, 7) AND SUBSTR(?, 1, 7)
        GROUP BY SUBSTR(business_date, 1, 7), product_id
    ) AS per_product
) AS ranked
WHERE product_rank <= 10
