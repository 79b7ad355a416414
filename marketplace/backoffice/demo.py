"""Load the demo marketplace through the same services real users go through.

So the demo obeys the same rules, writes the same events and outbox rows and is indexed
for search like real data. The content is in ``demo_data``; the pictures are drawn by
``demo_images``. Everything happens in one transaction: a failure leaves no rows (only
unreferenced files in storage).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from marketplace.backoffice import demo_data as data
from marketplace.backoffice.demo_images import licence_scan, product_card
from marketplace.backoffice.demo_money import create_demo_money
from marketplace.backoffice.demo_products import PRODUCTS
from marketplace.catalog import services as catalog_services
from marketplace.catalog.models import Category, Product
from marketplace.common.db import advisory_xact_lock
from marketplace.rules.services import change_rules
from vendors import services as vendor_services
from vendors.models import Vendor

SEED = 20250101
LICENCE_INK = (170, 40, 40)


@dataclass
class Result:
    """What was loaded, for the command's summary."""

    logins: list[tuple[str, str]] = field(default_factory=list)
    vendors: list[Vendor] = field(default_factory=list)
    categories: int = 0
    products: int = 0
    variants: int = 0
    loaded: bool = True


class DemoRefused(Exception):
    """The database is not empty; the demo was not loaded."""


def has_data() -> bool:
    """Whether the database already holds people or catalog data to keep."""
    user_model = get_user_model()
    return any(
        model.objects.exists() for model in (user_model, Vendor, Category, Product)
    )


@transaction.atomic
def load_demo(*, if_empty: bool = False) -> Result:
    """Load the demo into an empty database and return what was loaded.

    With ``if_empty``, do nothing (``Result.loaded`` is false) when data exists;
    without it, refuse with ``DemoRefused``: the demo never mixes into real data. An
    advisory lock serialises concurrent runs, so two never both load.
    """
    advisory_xact_lock("seed-demo")
    if has_data():
        if if_empty:
            return Result(loaded=False)
        raise DemoRefused(
            "The database already holds users or catalog data; the demo loads only "
            "into an empty one. Use a fresh DATA_DIR (or database), or --if-empty."
        )
    rng = random.Random(SEED)
    result = Result()
    operators = _create_people(result)
    admin, reviewer = operators["admin"], operators["reviewer"]
    finance = operators["finance"]
    change_rules(actor=admin, changes=data.RULES, reason="Demo platform rules")
    categories = _create_categories(admin, result)
    vendors = [
        (spec, _create_vendor(spec, reviewer=reviewer, finance=finance, result=result))
        for spec in data.VENDORS
    ]
    for index, spec, vendor in _interleaved(vendors):
        _create_product(
            vendor,
            spec,
            index,
            PRODUCTS[spec["key"]][index],
            categories=categories,
            reviewer=reviewer,
            admin=admin,
            rng=rng,
            result=result,
        )
    create_demo_money(
        vendors=[vendor for _spec, vendor in vendors],
        shopper=get_user_model().objects.get(email=_email(data.SHOPPERS[0][0])),
        admin=admin,
        finance=finance,
    )
    return result


def _interleaved(vendors: list) -> list[tuple[int, dict, Vendor]]:
    """Order the listings so the newest (the front page) show every vendor's first.

    Each vendor's list runs backwards, one listing of each vendor in turn.
    """
    longest = max(len(PRODUCTS.get(spec["key"], [])) for spec, _ in vendors)
    return [
        (index, spec, vendor)
        for index in reversed(range(longest))
        for spec, vendor in vendors
        if index < len(PRODUCTS.get(spec["key"], []))
    ]


def _email(local: str) -> str:
    return f"{local}@{data.DOMAIN}"


def _create_user(email: str, name: str, result: Result, *, label: str, **fields):
    user = get_user_model().objects.create_user(
        email=email, password=data.PASSWORD, display_name=name, **fields
    )
    result.logins.append((email, label))
    return user


def _create_people(result: Result) -> dict:
    operators = {}
    for local, role, name in data.OPERATORS:
        operators[role] = _create_user(
            _email(local),
            name,
            result,
            label=f"operator ({role})",
            operator_role=role,
            is_staff=True,
            is_superuser=role == "admin",
            preferred_language="zh-hans",
        )
    for local, name in data.SHOPPERS:
        _create_user(
            _email(local), name, result, label="shopper", preferred_language="zh-hans"
        )
    return operators


def _create_categories(admin, result: Result) -> dict[str, Category]:
    categories = {}
    for slug, name_en, name_zh, bps, children in data.CATEGORIES:
        parent = catalog_services.create_category(
            actor=admin, name_en=name_en, name_zh=name_zh, slug=slug, commission_bps=bps
        )
        categories[slug] = parent
        for child_slug, child_en, child_zh, child_bps in children:
            categories[child_slug] = catalog_services.create_category(
                actor=admin,
                name_en=child_en,
                name_zh=child_zh,
                slug=child_slug,
                parent=parent,
                commission_bps=child_bps,
            )
    result.categories = len(categories)
    return categories


def _create_vendor(spec: dict, *, reviewer, finance, result: Result) -> Vendor:
    model = spec["data"]["pricing_model"].replace("_", " ")
    owner = _create_user(
        spec["owner"],
        spec["owner_name"],
        result,
        label=f"owner of {spec['data']['name_en']}: {spec['status']}, {model}",
        preferred_language="zh-hans",
    )
    licence = SimpleUploadedFile(
        f"licence-{spec['key']}.png",
        licence_scan(
            company_en=spec["data"]["name_en"],
            licence_number=spec["data"]["business_licence_number"],
            colour=LICENCE_INK,
        ),
        content_type="image/png",
    )
    vendor = vendor_services.apply_as_vendor(
        user=owner, data=dict(spec["data"]), licence_image=licence
    )
    vendor_services.submit_application(vendor=vendor, actor=owner)
    if spec["status"] == "approved":
        vendor_services.set_vendor_terms(
            vendor=vendor, actor=finance, reason="Demo terms", **spec["terms"]
        )
        vendor_services.approve_vendor(
            vendor=vendor, actor=reviewer, reason="资料核验通过（演示数据）"
        )
    vendor.refresh_from_db()
    result.vendors.append(vendor)
    return vendor


def _variants(spec: dict, product: dict, index: int, rng: random.Random) -> list:
    """Expand the product's axes into variant dicts, with prices and stock."""
    supply_model = spec["data"]["pricing_model"] == Vendor.PricingModel.SUPPLY_PRICE
    axes = product["axes"] or {"": [("", 0)]}
    variants = []
    for number, combination in enumerate(itertools.product(*axes.values())):
        attributes = {
            name: value
            for name, (value, _step) in zip(axes, combination, strict=True)
            if name
        }
        price = product["price"] + sum(step for _value, step in combination)
        stock = 0 if rng.random() < 0.06 else rng.randrange(5, 300)
        variants.append(
            {
                "sku": f"{spec['key'][:3].upper()}-{index + 1:03d}-{number + 1:02d}",
                "attributes": attributes,
                ("supply_price" if supply_model else "retail_price"): price,
                "stock_on_hand": stock,
                "weight_grams": product["weight"],
            }
        )
    return variants


def retail_for_supply(supply_price: int) -> int:
    """A shelf price about 30 % over supply, ending in 9 yuan: 12900 → 16900 fen."""
    return (supply_price * 13 // 10 // 1000 + 1) * 1000 - 100


def _create_product(
    vendor, spec, index, product, *, categories, reviewer, admin, rng, result
) -> Product:
    owner = vendor.members.get().user
    category = categories[product["category"]]
    created = catalog_services.create_product(
        vendor=vendor,
        actor=owner,
        category=category,
        title_en=product["title_en"],
        title_zh=product["title_zh"],
        description_en=product["description_en"],
        description_zh=product["description_zh"],
        variants=_variants(spec, product, index, rng),
    )
    top = category.parent.slug if category.parent_id else category.slug
    colours = data.CATEGORY_COLOURS[top]
    for position in range(1 + (index % 3 == 0)):
        picture = product_card(
            title=product["title_en"],
            shape=product["shape"],
            colours=colours,
            tint=index + position * 2,
        )
        catalog_services.add_product_image(
            product=created,
            actor=owner,
            file=SimpleUploadedFile(
                f"{spec['key']}-{index}-{position}.png", picture, "image/png"
            ),
            position=position,
        )
    catalog_services.submit_product(product=created, actor=owner)
    # Half the supply-price listings get a shelf price from the platform; the others
    # keep the default margin over the supply price.
    if vendor.pricing_model == Vendor.PricingModel.SUPPLY_PRICE and index % 2 == 0:
        for variant in created.variants.all():
            catalog_services.set_retail_price(
                variant=variant,
                actor=admin,
                retail_price=retail_for_supply(variant.supply_price),
            )
    catalog_services.approve_product(product=created, actor=reviewer)
    result.products += 1
    result.variants += created.variants.count()
    return created
