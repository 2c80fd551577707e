"""Purchase propensity: customer features, labels, the time split, the XGBoost model, its baseline and its gate."""
