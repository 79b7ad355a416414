"""The ledger check run after money tests (shared by the fixture and the marker)."""

import pytest

from orders.management.commands.ledger_check import CHECKS


def fail_on_ledger_problems() -> None:
    """Fail the current test with the report if any ``ledger_check`` check (the
    ledger's own, and the per-order invariants) finds a problem."""
    problems = [
        f"[{check.__name__}] {problem}" for check in CHECKS for problem in check()
    ]
    if problems:
        report = "\n".join(f"  - {problem}" for problem in problems)
        pytest.fail(f"ledger_check found {len(problems)} problem(s):\n{report}")
