"""Landing keys the sensor, the checks and ingest must never follow or misread: links, loops, '.' and '..' segments."""

import os

from moto import mock_aws

from retail_assets.defs.automation.landing_sensor import LANDING_OBJECTS_TAG
from retail_assets.defs.resources.lake import LandingObject
from retail_assets_tests.support.landing_stores import LocalLanding, S3Landing, Ticker

DAY = "2024-03-08"
GOOD = f"sales/{DAY}/store_1.csv"


def test_links_and_a_loop_in_the_landing_folder_are_skipped_logged_once_and_never_read(tmp_path):
    landing = LocalLanding(tmp_path / "landing")
    landing.put(GOOD)
    secret = tmp_path / "outside.csv"
    secret.write_text("transaction_id,sold_at\nX,2024-03-08 10:00:00\n")
    day = landing.root / "sales" / DAY
    os.symlink(secret, day / "link.csv")
    os.symlink("..", day / "loop")  # ln -s .. loop: a directory loop
    os.symlink(tmp_path / "gone.csv", day / "dangling.csv")
    ticker = Ticker(landing.lake)
    requests = ticker.tick()
    assert list(requests) == [DAY]
    assert requests[DAY].tags[LANDING_OBJECTS_TAG] == "1"  # the store's file only
    for name in ("link.csv", "loop", "dangling.csv"):
        assert [line for line in ticker.warnings if f"sales/{DAY}/{name}:" in line and "symbolic link" in line], name
    warned = len(ticker.warnings)
    assert ticker.tick() == {}
    assert len(ticker.warnings) == warned  # logged once
    # The checks read the day's objects the same way: the link is not one of them.
    assert landing.lake.landing_objects(DAY) == [LandingObject(GOOD, 4)]


def test_keys_with_empty_dot_or_dot_dot_segments_are_refused_by_the_sensor_and_the_checks():
    with mock_aws():
        landing = S3Landing()
        landing.put(GOOD)
        refused = [f"sales/{DAY}/../../x.csv", f"sales/{DAY}/./y.csv", f"sales/{DAY}//z.csv", "sales/../w.csv"]
        markers = [f"sales/{DAY}/sub_$folder$", f"sales/{DAY}_$folder$"]  # folder markers: ingest skips them
        for key in [*refused, *markers]:
            landing.put(key, b"")
        ticker = Ticker(landing.lake)
        requests = ticker.tick()
        assert list(requests) == [DAY]
        assert requests[DAY].tags[LANDING_OBJECTS_TAG] == "1"
        for key in refused:
            assert [line for line in ticker.warnings if f"{key}:" in line and "'.' or '..'" in line], key
        assert not [line for line in ticker.warnings if "$folder$" in line]  # ignored, as ingest ignores them
        assert landing.lake.landing_objects(DAY) == [LandingObject(GOOD, 4)]
