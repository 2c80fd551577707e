-- Purchase propensity scores: one row per featured customer, from the accepted model, replaced as a whole.
CREATE TABLE retail.customer_propensity (
    customer_id   text             PRIMARY KEY,
    score         double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    decile        smallint         NOT NULL CHECK (decile BETWEEN 1 AND 10),
    model_version text             NOT NULL,
    scored_at     timestamptz      NOT NULL
);
