"""Chinese and English product search on plain PostgreSQL full-text search.

The embedded PostgreSQL has neither ``pg_trgm`` nor a Chinese parser, and the
database's locale decides whether its parser even sees CJK letters, so the text is
tokenised here and handed to PostgreSQL as ready-made lexemes:

- each run of CJK characters gives its single characters and its bigrams, so a query
  of one character (茶) or two (手机) matches any name that contains it, and a longer
  query (智能手机) becomes its bigrams ANDed (智能 & 能手 & 手机);
- Latin letters and digits give lowercased words, matched by prefix (``phon:*``) or
  by their English stem (``phones`` finds ``phone``).

The title's tokens weigh ``A``, the description's, category's and vendor's ``B``;
``ts_rank`` orders the results. Tokens are alphanumeric only, so the tsvector and
tsquery literals built from them cannot be escaped out of.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db.models import BooleanField, Expression, F, FloatField, Func, Value

from marketplace.catalog.models import Category, Product
from marketplace.catalog.pricing import category_ids_upwards

# CJK ideographs (with extensions and compatibility forms), kana and hangul.
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0002ebef"
)
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[a-z0-9]+)")
MAX_TOKEN_LENGTH = 60
MAX_QUERY_TERMS = 12
MAX_POSITION = 16383  # PostgreSQL's highest tsvector position


def _normalise(text: str) -> str:
    """Fold full-width forms and accents, and lowercase."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _runs(text: str) -> Iterable[tuple[str, str]]:
    for match in _TOKEN.finditer(_normalise(text)):
        kind = "cjk" if match.group("cjk") else "word"
        yield kind, match.group(0)


def index_tokens(text: str) -> list[str]:
    """Return the lexemes to index for ``text``: CJK unigrams and bigrams, words."""
    tokens: list[str] = []
    for kind, run in _runs(text):
        if kind == "word":
            if len(run) <= MAX_TOKEN_LENGTH:
                tokens.append(run)
            continue
        tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def query_terms(text: str) -> list[tuple[str, str]]:
    """Return the ANDed terms of a query as ``(kind, lexeme)`` pairs.

    ``kind`` is ``"cjk"`` (an exact lexeme) or ``"word"`` (prefix or English stem).
    """
    terms: list[tuple[str, str]] = []
    for kind, run in _runs(text):
        if kind == "word":
            terms.append(("word", run[:MAX_TOKEN_LENGTH]))
        elif len(run) == 1:
            terms.append(("cjk", run))
        else:
            terms.extend(("cjk", run[i : i + 2]) for i in range(len(run) - 1))
    unique = list(dict.fromkeys(terms))
    return unique[:MAX_QUERY_TERMS]


def _tsvector_literal(tokens: list[str], weight: str, start: int) -> str:
    """Return a tsvector literal of ``tokens`` at positions from ``start``."""
    return " ".join(
        f"'{token}':{min(start + i, MAX_POSITION)}{weight}"
        for i, token in enumerate(tokens)
    )


def product_document(product, *, category_names: Iterable[str] = ()) -> dict:
    """Return the parts of ``product``'s search document, ready for the update."""
    title_tokens = index_tokens(f"{product.title_en} {product.title_zh}")
    vendor = product.vendor
    other_text = " ".join(
        [
            product.description_en,
            product.description_zh,
            *category_names,
            vendor.name_en,
            vendor.name_zh,
        ]
    )
    other_tokens = index_tokens(other_text)
    literal = " ".join(
        part
        for part in (
            _tsvector_literal(title_tokens, "A", 1),
            _tsvector_literal(other_tokens, "B", len(title_tokens) + 1),
        )
        if part
    )
    return {
        "literal": literal,
        "title_en": product.title_en,
        "description_en": product.description_en,
    }


VECTOR_SQL = (
    "(%s::tsvector"
    " || setweight(to_tsvector('english', %s), 'A')"
    " || setweight(to_tsvector('english', %s), 'B'))"
)


class _RawTsVector(Expression):
    output_field = SearchVectorField()

    def __init__(self, document: dict):
        super().__init__()
        self.document = document

    def as_sql(self, compiler, connection):
        params = [
            self.document["literal"],
            self.document["title_en"],
            self.document["description_en"],
        ]
        return VECTOR_SQL, params


def search_vector_expression(product, *, category_names: Iterable[str] = ()):
    """Return the SQL expression of ``product``'s search vector, for an update."""
    return _RawTsVector(product_document(product, category_names=category_names))


class TsQuery(Expression):
    """A tsquery built from a shopper's text; empty when the text has no terms."""

    output_field = SearchQueryField()

    def __init__(self, text: str):
        super().__init__()
        self.terms = query_terms(text)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def as_sql(self, compiler, connection):
        parts, params = [], []
        for kind, lexeme in self.terms:
            if kind == "cjk":
                parts.append("%s::tsquery")
                params.append(f"'{lexeme}'")
            else:
                parts.append("(%s::tsquery || to_tsquery('english', %s))")
                params.extend([f"'{lexeme}':*", lexeme])
        return "(" + " && ".join(parts) + ")", params


class Matches(Func):
    """``search_vector @@ query``."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class Rank(Func):
    function = "ts_rank"
    output_field = FloatField()


def matching(queryset, text: str):
    """Filter ``queryset`` of products to those matching ``text``; annotate ``rank``.

    A text without any term matches everything, with rank 0.
    """
    query = TsQuery(text)
    if not query:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    return queryset.filter(Matches(F("search_vector"), query)).annotate(
        rank=Rank(F("search_vector"), query)
    )


def index_product(product) -> None:
    """Write ``product``'s search vector from its current title, text and category.

    Call from every service that changes a product's title, description or category.
    """
    names = Category.objects.filter(
        pk__in=category_ids_upwards(product.category)
    ).values_list("name_en", "name_zh")
    Product.objects.filter(pk=product.pk).update(
        search_vector=search_vector_expression(
            product, category_names=[name for pair in names for name in pair]
        )
    )


def reindex_products(queryset=None) -> int:
    """Rewrite the search vectors of ``queryset`` (all products); return the count."""
    queryset = Product.objects.all() if queryset is None else queryset
    count = 0
    for product in queryset.select_related("vendor", "category").iterator():
        index_product(product)
        count += 1
    return count
