import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.common.money import Money, allocate, apply_bps, format_amount

amounts = st.integers(min_value=-(10**12), max_value=10**12)
weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20)


@given(total=amounts, parts=weights.filter(any))
def test_allocate_parts_always_add_up_to_the_total(total, parts):
    result = allocate(total, parts)

    assert sum(result) == total
    assert len(result) == len(parts)


@given(total=st.integers(min_value=0, max_value=10**12), parts=weights.filter(any))
def test_allocate_gives_each_part_within_one_unit_of_its_exact_share(total, parts):
    result = allocate(total, parts)

    for part, weight in zip(result, parts, strict=True):
        exact_times_sum = total * weight
        assert part * sum(parts) <= exact_times_sum + sum(parts)
        assert (part + 1) * sum(parts) > exact_times_sum


def test_allocate_gives_leftover_units_to_the_largest_remainders_first():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(5, [0, 3, 7]) == [0, 2, 3]  # a tie goes to the earlier part


@pytest.mark.parametrize(
    ("total", "parts", "error"),
    [
        (1, [], ValueError),
        (1, [0, 0], ValueError),
        (1, [-1, 2], ValueError),
        (1.5, [1], TypeError),
        (1, [0.5], TypeError),
        (True, [1], TypeError),
    ],
)
def test_allocate_refuses_what_cannot_be_split_exactly(total, parts, error):
    with pytest.raises(error):
        allocate(total, parts)


@pytest.mark.parametrize(
    ("amount", "bps", "expected"),
    [
        (1000, 500, 50),
        (1, 5000, 1),
        (3, 5000, 2),
        (999, 333, 33),
        (-3, 5000, -2),
        (0, 10, 0),
    ],
)
def test_apply_bps_rounds_half_up_to_the_minor_unit(amount, bps, expected):
    assert apply_bps(amount, bps) == expected


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.0, "CNY")
    with pytest.raises(ValueError, match="cannot mix"):
        Money(1, "CNY") + Money(1, "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(129900, "CNY", "¥1,299.00"), (-5, "USD", "-$0.05"), (1200, "JPY", "¥1,200")],
)
def test_format_amount_uses_the_currency_minor_unit(amount, currency, text):
    assert format_amount(amount, currency) == text
