"""What is usual for a day: a robust band over the trailing days of the same weekday (median ± k·MAD).

Sales follow the week (a Saturday is not a Tuesday), so a day is compared with the same weekday of the weeks
before it. The median and the median absolute deviation ignore one odd week in the history, where a mean and a
standard deviation would be dragged by it. Written here because no library we use ships a weekday-aware band.
"""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

HISTORY_WEEKS = 8  # same weekdays looked back on
MIN_HISTORY = 4  # same weekdays with data needed before a band means anything
BAND_K = 3.0  # half-width of the band, in scaled MADs
MAD_TO_SIGMA = 1.4826  # scales a MAD to a standard deviation for normally distributed values
# The band of a share of rows (quarantined, breaking the contract) is never narrower than ±0.5 points: ordinary noise.
MIN_RATE_HALF_WIDTH = 0.005


@dataclass(frozen=True)
class Band:
    """The usual range of a figure, and how many days of history it rests on."""

    median: float
    low: float
    high: float
    history: int

    def contains(self, value: float) -> bool:
        """Whether value is within the band, ends included."""
        return self.low <= value <= self.high


def same_weekday_history(day: str, weeks: int = HISTORY_WEEKS) -> list[str]:
    """The same weekday in each of the weeks before day, newest first."""
    current = date.fromisoformat(day)
    return [(current - timedelta(weeks=week)).isoformat() for week in range(1, weeks + 1)]


def histories(days: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Each day's same-weekday history, and every day to read: the days and their histories, in order."""
    history = {day: same_weekday_history(day) for day in days}
    return history, sorted(set(days).union(*history.values()))


def usual_band(history: list[float], min_half_width: float) -> Band | None:
    """The band of history (None with fewer than MIN_HISTORY values); never narrower than ±min_half_width."""
    if len(history) < MIN_HISTORY:
        return None
    median = statistics.median(history)
    mad = statistics.median(abs(value - median) for value in history)
    # A flat history (MAD 0) would make any change unusual: the floor keeps ordinary noise inside the band.
    half_width = max(BAND_K * MAD_TO_SIGMA * mad, min_half_width)
    return Band(median=median, low=median - half_width, high=median + half_width, history=len(history))


def band_metadata(band: Band | None, history: int) -> dict[str, object]:
    """A band as check metadata (the history length even when there is no band yet)."""
    if band is None:
        return {"history_days": history, "history_needed": MIN_HISTORY}
    return {
        "history_days": band.history,
        "usual_median": round(band.median, 4),
        "usual_low": round(band.low, 4),
        "usual_high": round(band.high, 4),
    }


def too_little_history(history: int) -> str:
    """The note of a day judged without a band."""
    return (
        f"only {history} of the {MIN_HISTORY} same-weekday days a usual band needs "
        f"(last {HISTORY_WEEKS} weeks): passed without one"
    )
