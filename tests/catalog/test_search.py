"""Chinese and English search over live products, with ranking and visibility."""

import pytest

from marketplace.catalog.search import index_tokens, query_terms
from marketplace.catalog.selectors import list_live_products
from tests.catalog.conftest import make_product
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def test_cjk_runs_index_unigrams_and_bigrams_and_words_lowercased():
    assert index_tokens("华为手机 Mate60 PRO") == [
        "华", "为", "手", "机", "华为", "为手", "手机", "mate60", "pro",
    ]  # fmt: skip


def test_query_splits_long_cjk_runs_into_bigrams():
    assert query_terms("智能手机 Phones") == [
        ("cjk", "智能"),
        ("cjk", "能手"),
        ("cjk", "手机"),
        ("word", "phones"),
    ]


def test_query_tokens_are_alphanumeric_so_tsquery_syntax_is_inert():
    assert query_terms("a' & !b | c:* (d)") == [
        ("word", "a"),
        ("word", "b"),
        ("word", "c"),
        ("word", "d"),
    ]


@pytest.fixture
def shelf():
    return {
        "phone": make_product(title_zh="华为智能手机", title_en="Huawei smart phone"),
        "watch": make_product(title_zh="智能手表", title_en="Smart watch"),
        "tea": make_product(title_zh="西湖龙井绿茶", title_en="Longjing green tea"),
        "cup": make_product(title_zh="玻璃杯", title_en="Glass cup"),
    }


def _titles(query, **filters):
    return [p.title_zh for p in list_live_products(query=query, **filters)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("茶", ["西湖龙井绿茶"]),
        ("手机", ["华为智能手机"]),
        ("智能手机", ["华为智能手机"]),
        ("phones", ["华为智能手机"]),
        ("phon", ["华为智能手机"]),
        ("TEA", ["西湖龙井绿茶"]),
        ("ｔｅａ", ["西湖龙井绿茶"]),  # full-width letters fold
        ("绿茶 longjing", ["西湖龙井绿茶"]),
        ("咖啡", []),
        ("' & |", ["玻璃杯", "西湖龙井绿茶", "智能手表", "华为智能手机"]),
    ],
)
def test_search_finds_products_by_chinese_and_english(shelf, query, expected):
    assert _titles(query) == expected


def test_both_smart_products_match_smart_and_the_title_outranks_the_description():
    # given a product that only mentions 智能 in its description
    make_product(title_zh="充电器", title_en="Charger", description_zh="适用于智能设备")
    make_product(title_zh="智能音箱", title_en="Smart speaker", description_zh="音箱")
    # when
    results = list(list_live_products(query="智能"))
    # then the title match ranks first
    assert [p.title_zh for p in results] == ["智能音箱", "充电器"]
    assert results[0].rank > results[1].rank


def test_search_only_finds_visible_products(shelf):
    # given a tea of a suspended vendor and a paused tea
    make_product(title_zh="红茶", vendor=VendorFactory(status="suspended"))
    make_product(title_zh="白茶", status="paused")
    # when / then
    assert _titles("茶") == ["西湖龙井绿茶"]


def test_search_vector_follows_content_edits(review_off, shelf):
    from marketplace.catalog.services import update_product_content

    # when the cup is renamed to a tea cup
    update_product_content(
        product=shelf["cup"], actor=None, title_zh="茶杯", title_en="Tea cup"
    )
    # then
    assert _titles("茶杯") == ["茶杯"]
    assert _titles("玻璃杯") == []
