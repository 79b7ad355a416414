"""The benchmark database: recreated, migrated and filled for each run.

The demo (``seed_demo``'s ``load_demo``) is loaded through the services, so rules,
categories, vendor terms, search vectors and images are real. Then it is multiplied
set-based in SQL: every approved demo vendor is cloned into many vendors, each with
copies of its template's live products, variants (plenty of stock) and image rows,
search vectors included; and shoppers are made with an address and an API token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from psycopg import sql

from bench.env import Database, database

SCALE = {
    # vendors per approved demo vendor, copies of each template product per vendor
    "full": {"vendor_copies": 60, "product_copies": 2, "shoppers": 1500},
    "quick": {"vendor_copies": 15, "product_copies": 1, "shoppers": 1100},
}
STOCK = 1_000_000
SHOPPER_PASSWORD = "bench-shopper"  # noqa: S105 (a throwaway local database)


@dataclass
class Dataset:
    vendors: int
    products: int
    variants: int
    shoppers: int
    seconds: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def recreate_database(db: Database | None = None) -> None:
    """Drop and create the bench database (it is ours alone: never a shared one)."""
    db = db or database()
    if not db.name.startswith("bench"):
        raise SystemExit(
            f"bench: refusing to drop {db.name!r}: the bench database's name must "
            "start with 'bench'."
        )
    with psycopg.connect(db.maintenance_url(), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [db.name],
        )
        name = sql.Identifier(db.name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(db.name)
            )
        )


def _columns(model, skip=("id",)) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if f.column not in skip]


def _clone(cursor, model, *, source: str, overrides: dict[str, str]) -> int:
    """``INSERT INTO model (cols) SELECT ... FROM <source>``; the template row is ``t``.

    Each column is copied from ``t`` unless ``overrides`` gives an SQL expression.
    """
    columns = _columns(model)
    table = model._meta.db_table
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {source}"
    )
    return cursor.rowcount


def _multiply_catalog(cursor, *, vendor_copies: int, product_copies: int) -> None:
    from marketplace.catalog.models import Product, ProductImage, Variant
    from vendors.models import Vendor

    cursor.execute(
        "CREATE TEMP TABLE bench_vendor_map AS "
        "SELECT nextval(pg_get_serial_sequence('vendors_vendor', 'id')) AS new_id, "
        "       t.id AS template_id, g AS n "
        "  FROM vendors_vendor t, generate_series(1, %s) g "
        " WHERE t.status = 'approved' ORDER BY t.id, g",
        [vendor_copies],
    )
    columns = _columns(Vendor, skip=())
    overrides = {
        "id": "m.new_id",
        "slug": "left(t.slug, 40) || '-b' || m.n",
        "name_en": "t.name_en || ' #' || m.n",
        "name_zh": "t.name_zh || ' ' || m.n || '号店'",
    }
    cursor.execute(
        f"INSERT INTO vendors_vendor ({', '.join(columns)}) "
        f"SELECT {', '.join(overrides.get(c, f't.{c}') for c in columns)} "
        "FROM bench_vendor_map m JOIN vendors_vendor t ON t.id = m.template_id"
    )
    cursor.execute(
        "CREATE TEMP TABLE bench_product_map AS "
        "SELECT nextval(pg_get_serial_sequence('catalog_product', 'id')) AS new_id, "
        "       t.id AS template_id, m.new_id AS vendor_id "
        "  FROM bench_vendor_map m "
        "  JOIN catalog_product t ON t.vendor_id = m.template_id AND t.status = 'live' "
        "  CROSS JOIN generate_series(1, %s) g ORDER BY m.new_id, t.id, g",
        [product_copies],
    )
    columns = _columns(Product, skip=())
    overrides = {"id": "m.new_id", "vendor_id": "m.vendor_id"}
    cursor.execute(
        f"INSERT INTO catalog_product ({', '.join(columns)}) "
        f"SELECT {', '.join(overrides.get(c, f't.{c}') for c in columns)} "
        "FROM bench_product_map m JOIN catalog_product t ON t.id = m.template_id"
    )
    _clone(
        cursor,
        Variant,
        source="bench_product_map m JOIN catalog_variant t "
        "ON t.product_id = m.template_id",
        overrides={"product_id": "m.new_id", "stock_reserved": "0"},
    )
    _clone(
        cursor,
        ProductImage,
        source="bench_product_map m JOIN catalog_productimage t "
        "ON t.product_id = m.template_id AND t.variant_id IS NULL",
        overrides={"product_id": "m.new_id"},
    )
    cursor.execute(
        "UPDATE catalog_variant SET stock_on_hand = %s, stock_reserved = 0", [STOCK]
    )


def _make_shoppers(cursor, count: int) -> None:
    from django.contrib.auth.hashers import make_password

    from marketplace.accounts.models import User

    columns = _columns(User)
    values = {
        "password": "%s",
        "last_login": "NULL",
        "is_superuser": "false",
        "first_name": "''",
        "last_name": "''",
        "is_staff": "false",
        "is_active": "true",
        "date_joined": "now()",
        "email": "'shopper' || g || '@bench.local'",
        "display_name": "'Shopper ' || g",
        "phone": "''",
        "preferred_language": "'zh-hans'",
        "operator_role": "''",
    }
    cursor.execute(
        f"INSERT INTO accounts_user ({', '.join(columns)}) "
        f"SELECT {', '.join(values[c] for c in columns)} "
        "FROM generate_series(1, %s) g",
        [make_password(SHOPPER_PASSWORD), count],
    )
    cursor.execute(
        "INSERT INTO orders_address (user_id, label, recipient, phone, country_code, "
        "province_code, city_code, district_code, detail, postal_code, is_default, "
        "created_at) "
        "SELECT id, 'home', display_name, '13800138000', 'CN', '330000', '330100', "
        "'330106', '西湖区文三路 ' || id || ' 号', '310000', true, now() "
        "FROM accounts_user WHERE email LIKE '%%@bench.local'"
    )
    cursor.execute(
        "INSERT INTO authtoken_token (key, user_id, created) "
        "SELECT substr(md5(random()::text || id) || md5(id::text || random()), 1, 40),"
        " id, now() FROM accounts_user WHERE email LIKE '%%@bench.local'"
    )


def _open_payee_accounts() -> None:
    """Open every vendor's payee account at the sandbox now, as onboarding would.

    Otherwise the first order of each vendor pays for the account's creation.
    """
    from marketplace.payments.providers import get_provider
    from orders.services.payment import payee_refs
    from vendors.models import Vendor

    vendors = list(Vendor.objects.filter(status=Vendor.Status.APPROVED))
    payee_refs(vendors=vendors, provider=get_provider())


def build(*, quick: bool = False) -> Dataset:
    """Recreate, migrate and fill the bench database; return what it holds.

    Call with Django set up (``bench.env.setup_django``).
    """
    from django.core.management import call_command
    from django.db import connection

    from marketplace.backoffice.demo import load_demo

    started = time.monotonic()
    recreate_database()
    connection.close()
    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    scale = SCALE["quick" if quick else "full"]
    with connection.cursor() as cursor:
        _multiply_catalog(
            cursor,
            vendor_copies=scale["vendor_copies"],
            product_copies=scale["product_copies"],
        )
        _make_shoppers(cursor, scale["shoppers"])
    _open_payee_accounts()
    connection.close()
    vacuum_analyze()
    return Dataset(**counts(), seconds=round(time.monotonic() - started, 1))


def vacuum_analyze() -> None:
    with psycopg.connect(database().url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def counts() -> dict:
    with psycopg.connect(database().url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM vendors_vendor WHERE status = 'approved'),"
            " (SELECT count(*) FROM catalog_product WHERE status = 'live'),"
            " (SELECT count(*) FROM catalog_variant),"
            " (SELECT count(*) FROM authtoken_token)"
        ).fetchone()
    return dict(zip(("vendors", "products", "variants", "shoppers"), row, strict=True))


def sellable_variant_ids() -> list[int]:
    """Return the variants a checkout accepts (active, priced, live, approved)."""
    with psycopg.connect(database().url) as conn:
        rows = conn.execute(
            "SELECT v.id FROM catalog_variant v "
            "JOIN catalog_product p ON p.id = v.product_id "
            "JOIN vendors_vendor d ON d.id = p.vendor_id "
            "WHERE v.is_active AND p.status = 'live' AND d.status = 'approved' "
            "AND (CASE WHEN d.pricing_model = 'supply_price' "
            "     THEN v.supply_price IS NOT NULL ELSE v.retail_price IS NOT NULL END) "
            "ORDER BY v.id"
        ).fetchall()
    return [row[0] for row in rows]


def shoppers() -> list[tuple[int, str, int]]:
    """Return ``(user id, token, address id)`` of every bench shopper."""
    with psycopg.connect(database().url) as conn:
        return conn.execute(
            "SELECT u.id, t.key, a.id FROM accounts_user u "
            "JOIN authtoken_token t ON t.user_id = u.id "
            "JOIN orders_address a ON a.user_id = u.id AND a.is_default "
            "WHERE u.email LIKE '%@bench.local' ORDER BY u.id"
        ).fetchall()


def live_product_ids() -> list[int]:
    with psycopg.connect(database().url) as conn:
        rows = conn.execute(
            "SELECT id FROM catalog_product WHERE status = 'live' ORDER BY id"
        ).fetchall()
    return [row[0] for row in rows]
