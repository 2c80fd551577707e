"""Recipe objects read by Spark: each object whole on an executor, through the same pure steps as `sources check`.

A recipe object's rows land in raw with the contract columns as the recipe mapped them (text, like every raw
value), the record as it landed (_source_record), the recipe's name and content hash, and, for a row the recipe
could not map, the quarantine reason naming the recipe and the step (_recipe_failure) and why (_recipe_error).
"""

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from glue_scripts.recipes.loader import Recipe
from glue_scripts.recipes.mapping import map_object
from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES, LINE_NUMBER, RECIPE_COLUMNS, SOURCE_OBJECT, recipe_reason

_SCHEMA = T.StructType(
    [
        T.StructField(SOURCE_OBJECT, T.StringType(), False),
        T.StructField(LINE_NUMBER, T.LongType(), False),
        *(T.StructField(name, T.StringType()) for name in (*CONTRACT_COLUMN_NAMES, *RECIPE_COLUMNS)),
    ]
)


def recipe_rows(spark: SparkSession, recipes_by_uri: dict[str, Recipe], read_uri) -> DataFrame:
    """Every row of the objects, by the recipe of each; read_uri makes a listed URI one Spark reads literally.

    The rows carry the object's listed URI as _source_object, for the caller to join its lineage to.
    """
    by_uri = dict(recipes_by_uri)  # shipped to the executors with the function

    def rows(object_row):
        recipe = by_uri[object_row.path]
        for mapped in map_object(recipe, bytes(object_row.content)):
            values = [mapped.values[name] for name in CONTRACT_COLUMN_NAMES]
            failure = None if mapped.failed_step is None else recipe_reason(recipe.name, mapped.failed_step)
            yield (
                object_row.path,
                mapped.line_number,
                *values,
                mapped.source_record,
                recipe.name,
                recipe.sha256,
                failure,
                mapped.failure,
            )

    # One object per task: records may span lines and every format needs its object whole (header, BOM, footer).
    objects = spark.read.format("binaryFile").load([read_uri(uri) for uri in by_uri]).select("path", "content")
    return spark.createDataFrame(objects.rdd.flatMap(rows), _SCHEMA)
