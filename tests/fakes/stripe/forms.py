"""Stripe's form encoding (``a[b][0][c]=v``) decoded back into nested values."""

import re
from urllib.parse import parse_qsl

_PART = re.compile(r"\[([^\]]*)\]")


def _listify(value):
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
    return value


def decode(query: str) -> dict:
    """Return the nested parameters of an ``application/x-www-form-urlencoded``
    body or query string, as Stripe reads them: every leaf stays a string."""
    result: dict = {}
    for raw_key, value in parse_qsl(query or "", keep_blank_values=True):
        head, _, rest = raw_key.partition("[")
        parts = [head] + (_PART.findall("[" + rest) if rest else [])
        node = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":  # "expand[]=x": append
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(result)


def as_int(value, default=None):
    if value is None:
        return default
    return int(value)
