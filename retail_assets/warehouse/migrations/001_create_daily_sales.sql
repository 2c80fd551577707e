-- Aurora table of final/daily_sales: one row per business day, store and product (DESIGN.md, "Final and Aurora tables").
CREATE SCHEMA IF NOT EXISTS retail;

CREATE TABLE retail.daily_sales (
    business_date  date          NOT NULL,
    store_id       text          NOT NULL,
    product_id     text          NOT NULL,
    product_name   text,
    category       text,
    brand          text,
    units_sold     bigint        NOT NULL,
    units_returned bigint        NOT NULL,
    gross_revenue  numeric(18,4) NOT NULL,
    returns_amount numeric(18,4) NOT NULL,
    net_revenue    numeric(18,4) NOT NULL,
    transactions   bigint        NOT NULL,
    customers      bigint        NOT NULL,
    loaded_at      timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (business_date, store_id, product_id)
);
