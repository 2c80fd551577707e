"""The checks trim the contract's whitespace exactly as the contract's regular expression does."""

import pandas as pd

from glue_scripts.sales_contract import TRIM_PATTERN, WHITESPACE_CHARACTERS
from retail_assets.defs.checks.models import _matches_or_empty, _present, _trimmed


def test_the_checks_trim_every_contract_whitespace_character_and_nothing_else():
    values = [f"{c}x{c}y{c}{c}" for c in WHITESPACE_CHARACTERS]
    values += ["\u200ex\u200e", "é ", "a \n", "\ufeff1.5\n\n", "", "  \t", None, 5]
    series = pd.Series(values, index=range(100, 100 + len(values)), dtype=object)
    expected = series.astype("string").str.replace(TRIM_PATTERN, "", regex=True).astype("string[pyarrow]")
    trimmed = _trimmed(series)
    pd.testing.assert_series_equal(trimmed, expected)
    assert list(trimmed.iloc[: len(WHITESPACE_CHARACTERS)]) == [f"x{c}y" for c in WHITESPACE_CHARACTERS]
    assert trimmed.loc[100 + len(WHITESPACE_CHARACTERS)] == "\u200ex\u200e"  # not contract whitespace: kept
    assert list(_present(series).tail(4)) == [False, False, False, True]


def test_a_pattern_is_matched_on_the_trimmed_text_and_empty_values_pass():
    series = pd.Series(["\u00a012\u3000", " 1.5 ", "", None, "x"], index=[7, 3, 9, 1, 5])
    assert list(_matches_or_empty(series, r"^\d+$")) == [True, False, True, True, False]
