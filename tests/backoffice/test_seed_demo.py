"""``manage.py seed_demo`` loads the marketplace the issue describes, once.

Loading takes seconds, so the module loads it once inside a transaction that is
rolled back at the end; each test runs in a savepoint within it.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from marketplace.accounts.models import User
from marketplace.backoffice.demo_data import PASSWORD
from marketplace.catalog.models import Category, Product, Variant
from marketplace.catalog.selectors import list_live_products
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Load the demo once for the module; roll it back afterwards."""
    output = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (User, Vendor, Category, Product, Variant)
    }


def test_seed_demo_loads_three_approved_vendors_and_one_waiting(seeded):
    approved = Vendor.objects.filter(status=Vendor.Status.APPROVED)
    submitted = Vendor.objects.filter(status=Vendor.Status.SUBMITTED)

    assert sorted(approved.values_list("pricing_model", flat=True)) == [
        "commission",
        "supply_price",
        "supply_price",
    ]
    assert submitted.count() == 1
    assert all(vendor.licence_image for vendor in Vendor.objects.all())
    assert all(vendor.name_en and vendor.name_zh for vendor in Vendor.objects.all())
    assert all(vendor.events.exists() for vendor in Vendor.objects.all())


def test_seed_demo_puts_at_least_forty_products_on_sale(seeded):
    live = list(list_live_products(sort="newest"))

    assert len(live) >= 40
    assert Product.objects.exclude(status=Product.Status.LIVE).count() == 0
    assert all(p.variants.all() and p.images.all() for p in live)
    assert all(p.title_en and p.title_zh and p.min_price > 0 for p in live)
    assert {p.vendor.status for p in live} == {Vendor.Status.APPROVED}


def test_seed_demo_prices_supply_variants_at_or_above_supply(seeded):
    supply = Variant.objects.filter(product__vendor__pricing_model="supply_price")
    commission = Variant.objects.filter(product__vendor__pricing_model="commission")

    assert supply.exists()
    assert all(v.retail_price >= v.supply_price for v in supply)
    assert supply.filter(retail_price_by_operator=True).exists()
    assert supply.filter(retail_price_by_operator=False).exists()
    assert not commission.filter(supply_price__isnull=False).exists()
    assert Variant.objects.filter(attributes__has_key="colour").exists()


@pytest.mark.parametrize("term", ["茶", "手机"])
def test_seed_demo_has_products_the_search_examples_find(seeded, term):
    assert Product.objects.filter(title_zh__contains=term).count() >= 2
    assert list_live_products(query=term).count() >= 2


def test_seed_demo_creates_the_operators_with_the_demo_password(seeded):
    admin = User.objects.get(email="admin@demo.marketplace")
    reviewer = User.objects.get(email="reviewer@demo.marketplace")
    finance = User.objects.get(email="finance@demo.marketplace")

    assert (admin.operator_role, admin.is_superuser) == ("admin", True)
    assert reviewer.operator_role == "reviewer"
    assert finance.operator_role == "finance"
    assert admin.check_password(PASSWORD)
    assert "admin@demo.marketplace" in seeded
    assert PASSWORD in seeded


def test_seed_demo_makes_a_category_tree_with_commissions(seeded):
    tea = Category.objects.get(slug="tea")

    assert tea.name_zh == "茶"
    assert tea.children.filter(name_zh="绿茶").exists()
    assert Category.objects.filter(parent__isnull=True).count() == 4
    assert Category.objects.filter(commission_bps__isnull=False).exists()
    assert Category.objects.filter(commission_bps__isnull=True).exists()


def test_seed_demo_if_empty_leaves_a_seeded_database_alone(seeded):
    before = counts()
    output = io.StringIO()

    call_command("seed_demo", "--if-empty", stdout=output)

    assert counts() == before
    assert "demo not loaded" in output.getvalue()
