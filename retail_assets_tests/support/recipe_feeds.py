"""Small feeds in their sources' own formats, their recipes, and what each line must become (business zone New York)."""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from glue_scripts.recipes.loader import Recipe, load_recipe

DAY = "2024-03-10"  # New York's DST change day


@dataclass(frozen=True)
class Feed:
    """A feed file, its recipe, the cleaned line amount by transaction and the quarantine reason by line."""

    recipe_yaml: str
    file_name: str
    content: bytes
    line_amounts: dict[str, Decimal]
    quarantined: dict[int, str]

    def recipe(self, folder: Path) -> Recipe:
        """The recipe written to folder as <name>.yaml and loaded."""
        name = self.recipe_yaml.split("\n", 1)[0].removeprefix("name: ")
        path = folder / f"{name}.yaml"
        path.write_text(self.recipe_yaml)
        return load_recipe(path)


# A POS export: Latin-1, ';', decimal comma, US dates in London time, C-prefixed cancellations, one store.
POS_EXPORT = Feed(
    recipe_yaml="""name: pos_export
applies_to: {pattern: "pos_*.csv"}
format: {kind: csv, delimiter: ";", encoding: latin-1, decimal_comma: true}
columns:
  transaction_id: {from: InvoiceNo}
  sold_at: {from: InvoiceDate}
  store_id: {constant: "uk-01"}
  product_id: {from: StockCode}
  product_name: {from: Description}
  quantity: {from: Quantity}
  unit_price: {from: UnitPrice}
  customer_id: {from: CustomerID}
timestamps: {formats: ["%m/%d/%Y %H:%M"], timezone: Europe/London}
returns: {by_prefix: {field: InvoiceNo, prefix: C}}
""",
    file_name="pos_0001.csv",
    content=(
        "InvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID\r\n"
        "536365;85123A;CRÈME BRÛLÉE SET;6;3/10/2024 8:26;2,55;17850\r\n"
        "C536379;D;Discount;1;3/10/2024 9:41;27,50;14527\r\n"
        "536366;22633;HAND WARMER;2;3/11/2024 2:30;1,85;\r\n"  # 02:30 London is 22:30 the day before in New York
        "536367;84879;BIRD ORNAMENT;3;13/45/2024 9:00;1,69;13047\r\n"
    ).encode("latin-1"),
    line_amounts={"536365": Decimal("15.30"), "C536379": Decimal("-27.50"), "536366": Decimal("3.70")},
    quarantined={5: "recipe:pos_export:timestamps"},
)

# A till export: UTF-16 with a byte order mark, tabs, date only, line totals, a refund flag, coded departments.
TILL_EXPORT = Feed(
    recipe_yaml="""name: till_export
applies_to: {folder: tills, pattern: "*.tsv"}
format: {kind: csv, delimiter: "\\t", encoding: utf-16}
columns:
  transaction_id: {concat: {fields: [Till, Receipt], separator: "-"}}
  sold_at: {from: Date}
  store_id: {from: Shop}
  product_id: {from: SKU}
  category: {from: Dept, map: {G: Grocery, P: Produce}}
  quantity: {from: Qty}
  unit_price: {divide: {numerator: Total, denominator: Qty, places: 4}}
timestamps: {formats: ["%Y-%m-%d"], default_time: "12:00:00"}
returns: {by_flag: {field: Refund, values: ["Y"]}}
""",
    file_name="till_3.tsv",
    content=(
        "Till\tReceipt\tDate\tShop\tSKU\tDept\tQty\tTotal\tRefund\n"
        "3\t0001\t2024-03-10\ts9\tA1\tG\t3\t10.00\tN\n"  # 10.00 / 3 = 3.3333 (4 places), 3 x 3.3333 = 9.9999
        "3\t0002\t2024-03-10\ts9\tA2\tP\t2\t5.01\tY\n"  # a refund of 2 at 2.5050
        "3\t0003\t2024-03-10\ts9\tA3\tX\t1\t1.00\tN\n"  # department X is not in the value map
        "3\t0004\t2024-03-10\ts9\tA4\tG\t0\t2.00\tN\n"  # quantity 0: no unit price can be derived
        "3\t0005\t2024-03-10\ts9\tA5\tG\t2\t0.0001\tN\n"  # 0.00005 rounds half-up to 0.0001 (half-even: 0.0000)
    ).encode("utf-16"),
    line_amounts={"3-0001": Decimal("9.9999"), "3-0002": Decimal("-5.0100"), "3-0005": Decimal("0.0002")},
    quarantined={4: "recipe:till_export:columns.category", 5: "recipe:till_export:columns.unit_price"},
)

# A legacy system's whitespace-aligned report: YYYYMMDD dates without a time, in Chicago.
LEGACY_TEXT = Feed(
    recipe_yaml="""name: legacy_text
applies_to: {folder: legacy, pattern: "*.txt"}
format: {kind: whitespace, header: true}
columns:
  transaction_id: {from: DOCNO}
  sold_at: {from: DOCDATE}
  store_id: {from: BRANCH}
  product_id: {from: ITEM}
  quantity: {from: QTY}
  unit_price: {from: PRICE}
  discount: {from: DISC}
timestamps: {formats: ["%Y%m%d"], default_time: "23:30:00", timezone: America/Chicago}
""",
    file_name="branch12.txt",
    content=(
        "DOCNO   DOCDATE   BRANCH  ITEM    QTY   PRICE     DISC\n"
        "L-100   20240309  B12     X-1       4   12.5000   1.00\n"  # 23:30 in Chicago is 00:30 on the 10th in New York
        "L-101   20240309  B12     X-2      -1    3.2500   0.00\n"
        "L-102   2024030   B12     X-3       1    1.0000   0.00\n"
        "L-103   20240309  B12\n"
    ).encode("ascii"),
    line_amounts={"L-100": Decimal("49.0000"), "L-101": Decimal("-3.2500")},
    quarantined={4: "recipe:legacy_text:timestamps", 5: "recipe:legacy_text:format"},
)

FEEDS = (POS_EXPORT, TILL_EXPORT, LEGACY_TEXT)
