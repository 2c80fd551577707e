"""`retail-assets predict CUSTOMER_ID...`: scores from the model that serves (local file, or the SageMaker endpoint)."""

import argparse
import sys

from retail_assets.defs.resources.environments import resources_for
from retail_assets.propensity.predictor import PredictionError, Predictor
from retail_assets.settings import get_settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the predict command."""
    parser = subparsers.add_parser(
        "predict",
        help="print purchase propensity scores of customers from the accepted model",
        description="Score customers of the feature snapshot with the accepted model: in aws mode through the "
        "SageMaker endpoint. One line per customer: id, score (probability of a purchase within the horizon).",
    )
    parser.add_argument("customer_ids", nargs="+", metavar="CUSTOMER_ID")
    parser.set_defaults(func=run)


def predictor() -> Predictor:
    """The predictor over the configured environment's lake and model trainer."""
    resources = resources_for(get_settings())
    return Predictor(resources["lake"], resources["model_trainer"])


def run(args: argparse.Namespace) -> int:
    """Print the scores; exit 1 when the model cannot answer."""
    try:
        answer = predictor().for_customers(args.customer_ids)
    except (PredictionError, LookupError, FileNotFoundError) as error:
        print(f"retail-assets predict: {error}", file=sys.stderr)
        return 1
    print(f"model {answer['model_version']}")
    for prediction in answer["predictions"]:
        print(f"{prediction['customer_id']}\t{prediction['score']:.6f}")
    return 0
