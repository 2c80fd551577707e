"""The usual band on a synthetic history: a normal day passes, an unusual one warns, the error threshold blocks."""

import dagster as dg

from retail_assets.defs.checks.cleaned_checks import rate_result
from retail_assets.defs.checks.raw_checks import rows_result
from retail_assets.defs.checks.usual_band import MIN_HISTORY, same_weekday_history, usual_band

# Eight Saturdays of quarantine rates around 2%, one of them odd: the median and MAD ignore it.
HISTORY = [0.020, 0.021, 0.019, 0.022, 0.018, 0.020, 0.060, 0.021]
ERROR_RATE = 0.20


def test_history_is_the_same_weekday_of_the_weeks_before():
    assert same_weekday_history("2024-03-09", weeks=3) == ["2024-03-02", "2024-02-24", "2024-02-17"]


def test_band_is_median_plus_minus_three_scaled_mads_and_ignores_one_odd_week():
    band = usual_band(HISTORY, min_half_width=0.0)
    assert band.median == 0.0205
    assert 0.023 < band.high < 0.027 and 0.014 < band.low < 0.018  # the 6% week does not widen it
    assert usual_band(HISTORY[: MIN_HISTORY - 1], min_half_width=0.0) is None


def test_a_normal_day_passes():
    result = rate_result(0.021, HISTORY, ERROR_RATE)
    assert result.passed and result.metadata["history_days"].value == len(HISTORY)


def test_five_times_the_usual_rate_warns():
    result = rate_result(0.10, HISTORY, ERROR_RATE)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "above the usual 2.1% (up to 2.6%) of the last 8 same weekdays" in result.description


def test_too_little_history_passes_with_a_note():
    result = rate_result(0.10, HISTORY[:2], ERROR_RATE)
    assert result.passed and result.description.startswith("only 2 of the 4 same-weekday days")


def test_the_fixed_error_threshold_still_blocks_with_or_without_history():
    for history in (HISTORY, []):
        result = rate_result(0.30, history, ERROR_RATE)
        assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR


def test_row_count_warns_on_either_side_of_its_band():
    history = [2000, 2040, 1980, 2010, 1990]
    assert rows_result(2020, history).passed
    assert not rows_result(600, history).passed
    high = rows_result(9000, history)
    assert not high.passed and high.severity == dg.AssetCheckSeverity.WARN
    assert rows_result(600, history[:3]).passed  # no band yet
