"""Complete Journey in its original columns, through its recipe, gives what the pre-converted file gives."""

from retail_assets_tests.support.recipe_comparison import compare_through_recipe

DAYS = ["2017-03-11", "2017-03-12", "2017-03-13"]  # the 2017-03-12 DST change and a day either side: 679 lines


def test_three_days_across_dst_land_clean_quarantine_and_sum_like_the_converted_file(tmp_path, postgres_url):
    figures = compare_through_recipe(tmp_path, postgres_url, DAYS)
    assert [figures[day]["landed"] for day in DAYS] == [201, 289, 189]
    assert all(figures[day]["quarantined"] > 0 for day in DAYS)  # the file's own dirt: zero quantities and prices
