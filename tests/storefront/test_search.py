"""Search: filters, sort, pages and facets in the URL; htmx gets the results only."""

import pytest

from marketplace.catalog.search import reindex_products
from tests import factories
from tests.storefront.conftest import count_queries, listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def teas():
    tea = factories.CategoryFactory(name_en="Tea", name_zh="茶")
    pottery = factories.CategoryFactory(name_en="Pottery", name_zh="陶瓷")
    found = {
        "tea": tea,
        "pottery": pottery,
        "longjing": listing(
            title_en="Longjing green tea",
            title_zh="龙井绿茶",
            category=tea,
            prices=(12900,),
        ),
        "biluochun": listing(
            title_en="Biluochun green tea",
            title_zh="碧螺春绿茶",
            category=tea,
            prices=(5900,),
            stock=0,
        ),
        "teapot": listing(
            title_en="Green tea pot",
            title_zh="绿茶壶",
            category=pottery,
            prices=(24900,),
        ),
    }
    reindex_products()
    return found


def titles(response) -> list[str]:
    return [p.title_en for p in response.context["page"].object_list]


def test_search_in_chinese_finds_the_products_with_facet_counts(chinese, teas):
    response = chinese.get("/search/", {"q": "绿茶"})

    assert response.status_code == 200
    assert set(titles(response)) == {
        "Longjing green tea",
        "Biluochun green tea",
        "Green tea pot",
    }
    facets = {f["category"].name_en: f["count"] for f in response.context["facets"]}
    assert facets == {"Tea": 2, "Pottery": 1}
    page = response.content.decode()
    assert "龙井绿茶" in page
    assert "3 件商品" in page


def test_filters_and_sort_narrow_and_order_the_results(english, teas):
    response = english.get(
        "/search/",
        {
            "q": "green tea",
            "category": teas["tea"].pk,
            "min_price": "50",
            "max_price": "300.00",
            "in_stock": "1",
            "sort": "price",
        },
    )

    assert titles(response) == ["Longjing green tea"]
    # the facets still count every category, so the shopper can switch
    assert {f["category"].name_en for f in response.context["facets"]} == {
        "Tea",
        "Pottery",
    }


def test_sort_by_price_descending(english, teas):
    response = english.get("/search/", {"sort": "-price"})

    assert titles(response) == [
        "Green tea pot",
        "Longjing green tea",
        "Biluochun green tea",
    ]


def test_a_bad_price_is_shown_next_to_its_field_and_ignored(english, teas):
    response = english.get("/search/", {"min_price": "cheap", "max_price": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_min_price-errors"' in page
    assert "Enter a number." in page
    assert 'aria-invalid="true"' in page
    assert titles(response) == []  # the max price of ¥1.00 still applies


def test_results_are_paged_and_links_keep_the_filters(english):
    category = factories.CategoryFactory()
    for _ in range(26):
        listing(category=category, prices=(1000,))

    first = english.get("/search/", {"category": category.pk})
    second = english.get("/search/", {"category": category.pk, "page": 2})

    assert len(first.context["page"].object_list) == 24
    assert len(second.context["page"].object_list) == 2
    assert f"?category={category.pk}&amp;page=2" in first.content.decode()


def test_htmx_gets_only_the_results_fragment(english, teas):
    response = english.get("/search/", {"q": "tea"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert page.lstrip().startswith("{") is False
    assert '<div id="search"' in page
    assert "<html" not in page


def test_search_runs_the_same_queries_for_3_or_30_products(english):
    category = factories.CategoryFactory()
    for _ in range(3):
        listing(category=category, vendor=factories.VendorFactory())
    url = f"/search/?category={category.pk}&sort=newest"
    three = count_queries(english, url)
    for _ in range(27):
        listing(category=category, vendor=factories.VendorFactory())

    assert count_queries(english, url) == three
