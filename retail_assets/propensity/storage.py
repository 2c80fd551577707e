"""Where propensity lives in the lake: the feature snapshot, model versions, and the candidate and accepted pointers."""

import io
import json
import re
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from retail_assets.defs.resources.lake import Lake
from retail_assets.tables import CUSTOMER_FEATURES_TABLE

MODEL_PREFIX = "models/purchase_propensity"
FEATURES_KEY = "features/customer_features/features.parquet"
MODEL_FILE, FEATURE_LIST, TRAINING = "model.json", "features.json", "training.json"
CANDIDATE, ACCEPTED = "candidate.json", "accepted.json"
_VERSION = re.compile(r"^\d{8}-[0-9a-f]{12}$")


def model_version(evaluation_cutoff: date, sha256: str) -> str:
    """The evaluation cutoff and the file hash: the same data and code give the same version."""
    return validate_version(f"{evaluation_cutoff:%Y%m%d}-{sha256[:12]}")


def validate_version(version: str) -> str:
    """version if it has the shape model_version gives, else ValueError (it becomes part of a path)."""
    if not isinstance(version, str) or not _VERSION.match(version):
        raise ValueError(f"not a model version: {version!r}")
    return version


class PropensityStore:
    """Model versions and the feature snapshot under the lake root, on S3 or a local tree alike."""

    def __init__(self, lake: Lake):
        self.filesystem, self.base = lake.filesystem(), lake.lake_base()
        self.uri = lake.uri

    def path(self, key: str) -> str:
        """Filesystem path of a key under the lake root."""
        return f"{self.base}/{key}"

    def write_bytes(self, key: str, content: bytes) -> None:
        """Write one object (a local folder is created first; S3 has none)."""
        path = self.path(key)
        self.filesystem.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self.filesystem.open_output_stream(path) as stream:
            stream.write(content)

    def read_bytes(self, key: str) -> bytes | None:
        """An object's content, None when it does not exist."""
        if self.filesystem.get_file_info(self.path(key)).type != pafs.FileType.File:
            return None
        with self.filesystem.open_input_stream(self.path(key)) as stream:
            return stream.read()

    def write_json(self, key: str, document: dict) -> None:
        """Write a JSON document."""
        self.write_bytes(key, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())

    def read_json(self, key: str) -> dict | None:
        """A JSON document, None when absent."""
        content = self.read_bytes(key)
        return None if content is None else json.loads(content)

    def version_key(self, version: str, name: str) -> str:
        """Key of a file of a model version."""
        return f"{MODEL_PREFIX}/{validate_version(version)}/{name}"

    def save_version(self, version: str, model_file: bytes, features: list[str], training: dict) -> None:
        """The model file with its feature list and training record beside it."""
        self.write_bytes(self.version_key(version, MODEL_FILE), model_file)
        self.write_json(self.version_key(version, FEATURE_LIST), {"features": features})
        self.write_json(self.version_key(version, TRAINING), training)

    def model_file(self, version: str) -> bytes:
        """The model file of a version."""
        content = self.read_bytes(self.version_key(version, MODEL_FILE))
        if content is None:
            raise FileNotFoundError(f"model version {version} has no {MODEL_FILE} in {self.path(MODEL_PREFIX)}")
        return content

    def training(self, version: str) -> dict:
        """The training record of a version."""
        record = self.read_json(self.version_key(version, TRAINING))
        if record is None:
            raise FileNotFoundError(f"model version {version} has no {TRAINING} in {self.path(MODEL_PREFIX)}")
        return record

    def pointer(self, name: str) -> str | None:
        """The version the candidate or accepted pointer names, None before the first."""
        document = self.read_json(f"{MODEL_PREFIX}/{name}")
        return None if document is None else validate_version(document["version"])

    def accepted(self) -> str:
        """The accepted version, or LookupError saying how to get one."""
        version = self.pointer(ACCEPTED)
        if version is None:
            raise LookupError("no accepted propensity model yet: materialize models/purchase_propensity_accepted")
        return version

    def point(self, name: str, version: str, **extra) -> None:
        """Point candidate or accepted at a version."""
        self.write_json(f"{MODEL_PREFIX}/{name}", {"version": validate_version(version), **extra})

    def write_features(self, table: pd.DataFrame, cutoff: date) -> None:
        """Replace the feature snapshot (one row per customer, the cutoff in every row)."""
        buffer = io.BytesIO()
        frame = table.reset_index().assign(cutoff=cutoff.isoformat())
        schema = CUSTOMER_FEATURES_TABLE.file_schema()
        pq.write_table(pa.Table.from_pandas(frame[list(schema.names)], schema=schema, preserve_index=False), buffer)
        self.write_bytes(FEATURES_KEY, buffer.getvalue())

    def read_features(self) -> pd.DataFrame:
        """The feature snapshot, indexed by customer_id."""
        content = self.read_bytes(FEATURES_KEY)
        if content is None:
            raise FileNotFoundError(f"no feature snapshot at {self.path(FEATURES_KEY)}: materialize customer_features")
        return pq.read_table(io.BytesIO(content)).to_pandas().set_index("customer_id")
