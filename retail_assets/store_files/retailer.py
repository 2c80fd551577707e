"""The retailer the generator invents: its stores, products (with categories and brands) and customers."""

import random
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from faker import Faker

PRODUCT_COUNT, CUSTOMER_COUNT, BRAND_COUNT = 200, 800, 24

# category: (price range in cents, items); a comma in a name makes csv writers quote it.
_CATEGORIES = {
    "Bakery": ((99, 899), ("Sourdough Bread", "Plain Bagels", "Butter Croissants", "Blueberry Muffins")),
    "Beverages": ((79, 1299), ("Orange Juice", "Sparkling Water", "Cold Brew Coffee", "Green Tea")),
    "Dairy": ((89, 999), ("Whole Milk", "Greek Yogurt", "Cheddar Cheese", "Salted Butter", "Oat Milk")),
    "Frozen": ((199, 1499), ("Pepperoni Pizza", "Vanilla Ice Cream", "Frozen Peas", "Fish Sticks")),
    "Household": ((149, 2499), ("Paper Towels", "Dish Soap", "Laundry Detergent", "Trash Bags")),
    "Personal Care": ((199, 1899), ("Shampoo", "Toothpaste", "Body Wash", "Deodorant")),
    "Produce": ((39, 799), ("Bananas", "Gala Apples", "Baby Spinach", "Avocados", "Roma Tomatoes")),
    "Snacks": ((99, 699), ("Potato Chips", "Pretzels", "Trail Mix", "Granola Bars", "Tortilla Chips, Lime")),
}
_SIZES = ("8 oz", "12 oz", "16 oz", "1 lb", "2 lb", "500 g", "1 kg", "6 pack", "12 pack", "family size")
_BRAND_SUFFIXES = ("", " Farms", " & Sons", " Foods", " Naturals", " Kitchen")


@dataclass(frozen=True)
class Store:
    """A store or sales channel and its opening hours."""

    store_id: str
    opens: time
    closes: time | None  # None: open around the clock (e-commerce)
    weight: float


@dataclass(frozen=True)
class Product:
    """A product with its stable price."""

    product_id: str
    name: str
    category: str
    brand: str
    price: Decimal


@dataclass(frozen=True)
class Catalog:
    """Everything a day of sales draws from."""

    stores: tuple[Store, ...]
    products: tuple[Product, ...]
    customers: tuple[str, ...]


def build_catalog(seed: int) -> Catalog:
    """Stores, products and customers: a function of the seed alone, so every day sees the same ones."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    stores = [
        Store(f"ST{number:03d}", time(rng.choice((7, 8, 9))), time(rng.choice((20, 21, 22))), rng.uniform(0.7, 1.4))
        for number in sorted(rng.sample(range(1, 400), 7))
    ]
    stores.append(Store("WEB", time(0), None, 2.0))
    brands = ["Store Brand"]
    while len(brands) < BRAND_COUNT:
        brand = fake.last_name() + rng.choice(_BRAND_SUFFIXES)
        if brand not in brands:
            brands.append(brand)
    products: dict[str, Product] = {}
    product_ids = set()
    while len(products) < PRODUCT_COUNT:
        category = rng.choice(sorted(_CATEGORIES))
        (low, high), items = _CATEGORIES[category]
        brand = rng.choice(brands)
        name = f"{brand} {rng.choice(items)} {rng.choice(_SIZES)}"
        product_id = fake.ean13()
        if name in products or product_id in product_ids:
            continue
        scale = rng.choice((2, 2, 2, 3, 4))  # most prices in cents, some per-unit prices with 3-4 places
        price = Decimal(rng.randint(low * 10 ** (scale - 2), high * 10 ** (scale - 2))).scaleb(-scale)
        products[name] = Product(product_id, name, category, brand, price)
        product_ids.add(product_id)
    customers = sorted({fake.numerify("C#######") for _ in range(CUSTOMER_COUNT)})
    return Catalog(tuple(stores), tuple(products.values()), tuple(customers))
