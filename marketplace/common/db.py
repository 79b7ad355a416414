"""Database helpers shared by every app."""

import zlib
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import NamedTuple

from django.db import connection, models, transaction


def advisory_xact_lock(name: str) -> None:
    """Take a PostgreSQL advisory lock named ``name`` until the transaction ends.

    For serialising writers where there is no row to lock yet (the first version of
    something). Call inside ``transaction.atomic``.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])


@contextmanager
def whole_table_scan():
    """Run the block's queries in a transaction with nested-loop joins turned off.

    For set-based checks that join aggregates over whole tables: the planner cannot
    estimate the aggregated rows and picks nested loops, which grow with the square
    of the rows (measured: 21.7 s instead of 0.14 s on 10,000 orders). Hash joins
    read each side once.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
        yield


def set_prefetched(instance, name: str, objects: list) -> None:
    """Give ``instance`` the related ``objects`` under ``name`` as if
    ``prefetch_related(name)`` had read them, so ``instance.<name>.all()`` runs no
    query. For objects just written whose rows the caller already holds; the list
    must be exactly what the query would return, in its order.
    """
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


# How a column's value is made ready for psycopg, decided once per field. A plain
# value (int, str or a str choice, bool, None) of a relation, boolean or text field
# goes as it is; an int of an integer field goes in the psycopg type Django gives it
# (Int8 for a BigIntegerField); an aware datetime or None of a datetime field goes
# as it is (on PostgreSQL Django passes those unchanged). Anything else goes through
# the field's get_db_prep_save, as in bulk_create.
_PLAIN_FIELDS = (models.BooleanField, models.CharField, models.TextField)
_PLAIN_VALUES = (int, str, bool, type(None))
_PREPARE, _DATETIME = object(), object()


def _conversion(field):
    if field.is_relation or isinstance(field, _PLAIN_FIELDS):
        return None
    if isinstance(field, models.DateTimeField):
        return _DATETIME
    integer_types = getattr(connection.ops, "integerfield_type_map", {})
    return integer_types.get(field.get_internal_type(), _PREPARE)


def _prepared(fields, values) -> list:
    """``values`` ready for psycopg, one per ``(field, conversion)`` of ``fields``."""
    ready = []
    for (field, conversion), value in zip(fields, values, strict=True):
        kind = type(value)
        if conversion is None:
            plain = kind in _PLAIN_VALUES or isinstance(value, str)  # choices too
        elif conversion is _DATETIME:
            plain = value is None or (
                kind is datetime and value.utcoffset() is not None
            )
        elif conversion is not _PREPARE and kind is int:  # an integer field
            value, plain = conversion(value), True
        else:
            plain = conversion is not _PREPARE and value is None
        ready.append(value if plain else field.get_db_prep_save(value, connection))
    return ready


# Rows whose values number at most this go as one multi-row VALUES, more as UNNEST
# of one array per column (bulk_create's form on PostgreSQL for any batch). 50 is
# where psycopg stops caching a statement's parsed form (MAX_CACHED_STATEMENT_PARAMS
# in psycopg/_queries.py). Measured binding: 3 order lines (42 values) 29 us as
# VALUES against 102 us as arrays, which psycopg dumps in Python; 2 vendor orders
# (40) 19 against 80 us; beyond 50 both cost the same (3 vendor orders, 60 values:
# 102 against 90 us). PostgreSQL ran the 3-line insert in 137-163 us against 220.
VALUES_PARAMS = 50


class _InsertPlan(NamedTuple):
    names: list[str]  # the attributes read from each instance, in column order
    columns: list[tuple]  # (field, conversion) for _prepared
    relations: list
    head: str  # INSERT INTO table (columns)
    row: str  # (%s, ...) for one row of VALUES
    tail: str  # RETURNING id
    many: str  # the UNNEST form


@cache
def _insert_plan(model) -> _InsertPlan:
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key and not f.generated]
    table = connection.ops.quote_name(opts.db_table)
    listed = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    head = f"INSERT INTO {table} ({listed})"
    tail = f" RETURNING {table}.{connection.ops.quote_name(opts.pk.column)}"
    # Bulk-insert the way Django 5.2 does on PostgreSQL: one array per column
    # (the type without its length, so nothing is truncated), unnested.
    arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    return _InsertPlan(
        names=[f.attname for f in fields],
        columns=[(f, _conversion(f)) for f in fields],
        relations=[f for f in fields if f.is_relation],
        head=head,
        row=f"({', '.join(['%s'] * len(fields))})",
        tail=tail,
        many=f"{head} SELECT * FROM UNNEST({arrays}){tail}",  # noqa: S608 (from _meta)
    )


@cache
def _values_sql(model, count: int) -> str:
    plan = _insert_plan(model)
    return f"{plan.head} VALUES {', '.join([plan.row] * count)}{plan.tail}"


def insert_rows(objs: list[models.Model]) -> list[models.Model]:
    """Insert new instances of one model in one statement and give them their ids.

    One row, or rows of at most ``VALUES_PARAMS`` values in all, go as one
    ``VALUES`` list (the statement ``bulk_create`` sends for one row); more as
    ``bulk_create`` sends them on PostgreSQL (``UNNEST`` of one array per column).
    The statement is built once per model (and row count) instead of compiled on
    every call, which on checkout's path is most of an insert's Python time. Like
    ``bulk_create`` it calls no ``save()`` and sends no signals; every value must be
    a plain value (no expressions), and ids come from the sequence, in the order of
    ``objs``.
    """
    if not objs:
        return objs
    model = type(objs[0])
    plan = _insert_plan(model)
    rows = []
    for obj in objs:
        if type(obj) is not model or obj.pk is not None:
            raise ValueError("insert_rows takes new instances of one model.")
        if any(
            getattr(obj, f.attname) is None and f.is_cached(obj) for f in plan.relations
        ):
            # a related object without its id: Django takes the id or refuses
            obj._prepare_related_fields_for_save(operation_name="insert_rows")
        rows.append(_prepared(plan.columns, [getattr(obj, n) for n in plan.names]))
    with connection.cursor() as cursor:
        if len(rows) == 1 or len(rows) * len(plan.columns) <= VALUES_PARAMS:
            params = [value for row in rows for value in row]
            cursor.execute(_values_sql(model, len(rows)), params)
        else:
            columns = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(plan.many, columns)
        ids = [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


@cache
def _columns(model):
    opts = model._meta
    table = connection.ops.quote_name(opts.db_table)
    fields = opts.concrete_fields
    listed = ", ".join(f"{table}.{connection.ops.quote_name(f.column)}" for f in fields)
    # What the ORM's compiler applies to a value read (from_db_value: JSON text
    # becomes Python data, for one).
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(opts.db_table)
        found = connection.ops.get_db_converters(column)
        found += column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    names = [f.attname for f in fields]
    return listed, names, fields.index(opts.pk), converters


def select_list(*models) -> str:
    """The concrete columns of each model in turn, table-qualified: the SELECT list
    of a hand-written join whose rows ``from_joined_row`` reads."""
    return ", ".join(_columns(model)[0] for model in models)


def from_joined_row(row, *models) -> list:
    """Split a row read with ``select_list(*models)`` into one instance per model,
    made by ``Model.from_db`` as ``select_related`` makes them (None where an outer
    join found no row). The caller links them (``field.set_cached_value``)."""
    instances, start = [], 0
    for model in models:
        _listed, names, pk_index, converters = _columns(model)
        values = list(row[start : start + len(names)])
        start += len(names)
        if values[pk_index] is None:
            instances.append(None)
            continue
        for index, functions, column in converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        instances.append(model.from_db(connection.alias, names, values))
    return instances


def select_instances(model, where: str, params) -> list:
    """Read ``model`` rows ``WHERE where`` (hand-written SQL over its columns, with
    ``%s`` for ``params``) as instances, in one statement built without the ORM's
    compiler: for lookups on a hot path, where compiling is most of a read's time.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {select_list(model)} FROM {table} WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [from_joined_row(row, model)[0] for row in cursor.fetchall()]


@cache
def _update_plan(model, names: tuple[str, ...], where: str):
    opts = model._meta
    fields = [opts.get_field(name) for name in names]
    table = connection.ops.quote_name(opts.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {sets} WHERE {where}"  # noqa: S608
    return sql, [(f, _conversion(f)) for f in fields]


def update_rows(model, values: dict, where: str, params) -> int:
    """``UPDATE`` the ``model`` rows ``WHERE where`` (hand-written SQL, ``%s`` for
    ``params``), setting ``values`` (field name: plain value, prepared as
    ``insert_rows`` prepares them); return how many rows changed. The statement is
    built once per model, fields and condition, for updates on a hot path.
    """
    sql, fields = _update_plan(model, tuple(values), where)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_prepared(fields, values.values()), *params])
        return cursor.rowcount
