"""The hot path's SQL helpers: ``insert_rows`` sends what ``bulk_create`` sends (as a
``VALUES`` list up to ``VALUES_PARAMS`` values), the reads give what the ORM gives,
``update_rows`` changes only what its condition names."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.catalog.models import Product, Variant
from marketplace.common.db import (
    VALUES_PARAMS,
    from_joined_row,
    insert_rows,
    select_instances,
    select_list,
    update_rows,
)
from orders.models import OrderEvent
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


def _variants(product, tag: str, count: int) -> list[Variant]:
    return [
        Variant(
            product=product,
            sku=f"{tag}-{index}",
            attributes={"颜色": "红", "size": index, "note": None},
            retail_price=12900 + index,
            stock_on_hand=index,
            is_active=index % 2 == 0,
            created_at=WHEN,
        )
        for index in range(count)
    ]


@pytest.mark.parametrize("count", [1, 3, 11])
def test_the_statement_is_bulk_creates_and_the_rows_read_back_the_same(count):
    product = ProductFactory()

    with CaptureQueriesContext(connection) as django:
        Variant.objects.bulk_create(_variants(product, "django", count))
    with CaptureQueriesContext(connection) as ours:
        made = insert_rows(_variants(product, "ours", count))

    [django_sql], [our_sql] = (
        [q["sql"] for q in django.captured_queries],
        [q["sql"] for q in ours.captured_queries],
    )
    columns = len(Variant._meta.concrete_fields) - 1  # all but the id
    as_arrays = count > 1 and count * columns > VALUES_PARAMS
    if count == 1 or as_arrays:
        assert our_sql.replace("ours-", "django-") == django_sql
    else:  # the same columns, as one VALUES list
        head = django_sql.split(" SELECT * FROM UNNEST")[0]
        assert our_sql.startswith(f"{head} VALUES (")
        assert our_sql.count("'ours-") == count
        assert our_sql.endswith(' RETURNING "catalog_variant"."id"')
    assert ("UNNEST" in our_sql) is as_arrays
    assert as_arrays is (count == 11)
    assert [v.sku for v in made] == [f"ours-{i}" for i in range(count)]
    assert all(v.pk and not v._state.adding for v in made)
    stored = {v.pk: v for v in Variant.objects.filter(pk__in=[v.pk for v in made])}
    for variant in made:
        again = stored[variant.pk]
        assert (again.sku, again.attributes, again.retail_price, again.is_active) == (
            variant.sku,
            variant.attributes,
            variant.retail_price,
            variant.is_active,
        )
        assert again.created_at == WHEN
        assert again.currency == variant.currency


def test_it_refuses_saved_or_mixed_instances_and_unsaved_relations():
    product = ProductFactory()
    [saved] = insert_rows(_variants(product, "saved", 1))

    with pytest.raises(ValueError, match="new instances of one model"):
        insert_rows([saved])
    with pytest.raises(ValueError, match="new instances of one model"):
        insert_rows([*_variants(product, "a", 1), OrderEvent(to_status="x")])
    unsaved = _variants(ProductFactory.build(), "b", 1)
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_rows(unsaved)
    assert Variant.objects.filter(sku__in=["a-0", "b-0"]).count() == 0


def _fields(instance) -> dict:
    return {
        f.attname: getattr(instance, f.attname) for f in type(instance)._meta.fields
    }


def test_reads_give_the_instances_the_orm_gives():
    product = ProductFactory()
    made = insert_rows(_variants(product, "read", 3))
    ids = [v.pk for v in made]

    ours = select_instances(Variant, '"id" = ANY(%s) ORDER BY "id"', [ids[:2]])
    orm = list(Variant.objects.filter(pk__in=ids[:2]).order_by("pk"))

    assert [_fields(v) for v in ours] == [_fields(v) for v in orm]
    assert all(not v._state.adding and v._state.db == "default" for v in ours)
    assert select_instances(Variant, '"id" = %s', [0]) == []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select_list(Variant, Product)} FROM catalog_variant"  # noqa: S608
            " LEFT JOIN catalog_product ON false WHERE catalog_variant.id = %s",
            [ids[0]],
        )
        variant, missing = from_joined_row(cursor.fetchone(), Variant, Product)
    assert _fields(variant) == _fields(orm[0])
    assert missing is None


def test_update_rows_sets_prepared_values_where_its_condition_holds():
    product = ProductFactory()
    first, second = insert_rows(_variants(product, "upd", 2))

    changed = update_rows(
        Variant,
        {
            "attributes": {"颜色": "蓝"},
            "retail_price": 9_000_000_000,
            "created_at": WHEN,
        },
        '"id" = %s AND "retail_price" = %s',
        [first.pk, first.retail_price],
    )
    unchanged = update_rows(
        Variant,
        {"retail_price": 1},
        '"id" = %s AND "retail_price" = %s',
        [second.pk, 0],
    )

    assert (changed, unchanged) == (1, 0)
    first.refresh_from_db()
    second_again = Variant.objects.get(pk=second.pk)
    assert (first.attributes, first.retail_price) == ({"颜色": "蓝"}, 9 * 10**9)
    assert second_again.retail_price == second.retail_price
