"""Asking the model: `retail-assets predict`, and `serve-model` answering POST /predict and its form in Chromium."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import date

import pytest

from retail_assets.cli.main import main
from retail_assets.propensity.features import FEATURES, customer_features
from retail_assets.propensity.model import predict, train_booster
from retail_assets.propensity.storage import ACCEPTED, PropensityStore
from retail_assets.settings import PROJECT_ROOT, get_settings
from retail_assets_tests.support.browser import browser_page
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.lake_builders import lake_at
from retail_assets_tests.support.dagster_dev import DEFAULT_SIGNALS_THEN, stop
from retail_assets_tests.support.shopper_history import shopper_history

VERSION = "20240601-0123456789ab"


@pytest.fixture(scope="module")
def served_home(tmp_path_factory):
    """A lake with a feature snapshot and an accepted model trained on generated shoppers."""
    home = tmp_path_factory.mktemp("served")
    sales = shopper_history(customers=80, days=120, seed=5)
    features = customer_features(sales, date(2024, 5, 1), BUSINESS_TIMEZONE)
    label = (features.table["frequency_30d"] > 1).astype("int64")  # any 0/1 label trains a usable booster
    store = PropensityStore(lake_at(home))
    model_file = train_booster(features.table, label)
    store.save_version(VERSION, model_file, FEATURES, {"metrics": {}})
    store.point(ACCEPTED, VERSION)
    store.write_features(features.table, features.cutoff)
    return home, features.table, model_file


@pytest.fixture
def local_env(served_home, monkeypatch):
    """RETAIL_HOME at the served lake, local mode."""
    home, _, _ = served_home
    monkeypatch.setenv("RETAIL_HOME", str(home))
    monkeypatch.setenv("RETAIL_ENV", "local")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_predict_prints_the_accepted_models_scores(served_home, local_env, capsys):
    _, features, model_file = served_home
    customers = list(features.index[:3])
    assert main(["predict", *customers]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"model {VERSION}"
    expected = predict(model_file, features.loc[customers, FEATURES])
    assert [line.split("\t") for line in lines[1:]] == [
        [customer, f"{score:.6f}"] for customer, score in zip(customers, expected, strict=True)
    ]
    assert main(["predict", "nobody"]) == 1
    assert "not in the feature snapshot: nobody" in capsys.readouterr().err


@pytest.fixture
def server(served_home, tmp_path):
    """`retail-assets serve-model --port 0` in its own process group; yields its base URL."""
    home, _, _ = served_home
    env = {**os.environ, "RETAIL_HOME": str(home), "RETAIL_ENV": "local", "PYTHONPATH": str(PROJECT_ROOT)}
    command = [sys.executable, "-c", DEFAULT_SIGNALS_THEN, "-m", "retail_assets.cli.main", "serve-model", "--port", "0"]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        first_line = process.stdout.readline().decode()
        assert first_line.startswith("serving the propensity model on http://127.0.0.1:"), first_line
        yield first_line.split(" on ", 1)[1].strip().rstrip("/")
    finally:
        stop(process)


def post(url: str, body: bytes) -> tuple[int, dict]:
    """POST body to url; (status, JSON answer)."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_model_answers_predict_by_id_and_by_features(served_home, server):
    _, features, model_file = served_home
    customers = list(features.index[:2])
    status, answer = post(f"{server}/predict", json.dumps({"customer_ids": customers}).encode())
    expected = predict(model_file, features.loc[customers, FEATURES])
    assert status == 200 and answer["model_version"] == VERSION
    assert [p["customer_id"] for p in answer["predictions"]] == customers
    assert [p["score"] for p in answer["predictions"]] == pytest.approx(list(expected), abs=1e-6)

    row = features.loc[customers[0], FEATURES].to_dict()
    status, answer = post(f"{server}/predict", json.dumps({"features": [row]}).encode())
    assert status == 200 and answer["predictions"][0]["score"] == pytest.approx(float(expected[0]), abs=1e-6)

    status, answer = post(f"{server}/predict", json.dumps({"features": [{"recency_days": 3}]}).encode())
    assert status == 400 and answer["error"].startswith("row 1 lacks frequency_30d")
    status, answer = post(f"{server}/predict", json.dumps({"features": [{**row, "recency_days": "soon"}]}).encode())
    assert (status, answer["error"]) == (400, "row 1: recency_days must be a number, got 'soon'")
    assert post(f"{server}/predict", b"not json")[0] == 400
    assert post(f"{server}/predict", json.dumps({"customer_ids": ["nobody"]}).encode())[0] == 400


def test_the_form_shows_a_score_in_chromium(served_home, server, tmp_path):
    _, features, model_file = served_home
    customer = features.index[0]
    expected = float(predict(model_file, features.loc[[customer], FEATURES])[0])
    with browser_page(allow_hosts=("127.0.0.1",)) as opened:
        page = opened.page
        page.goto(f"{server}/")
        page.fill("#customer", customer)
        page.click("button[type=submit]")
        page.wait_for_function("document.getElementById('result').textContent.includes('score')")
        text = page.text_content("#result")
        page.screenshot(path=str(tmp_path / "predict_page.png"))
        assert text == f"Customer {customer}: score {expected:.4f}"
        assert page.text_content("#version") == f"model {VERSION}"
        page.fill("#customer", "nobody")
        page.click("button[type=submit]")
        page.wait_for_function("document.getElementById('result').className === 'error'")
        assert "not in the feature snapshot" in page.text_content("#result")
    assert all("status of 400" in message for message in opened.console_errors), opened.console_errors
    assert opened.blocked_requests == []
    assert (tmp_path / "predict_page.png").stat().st_size > 0
