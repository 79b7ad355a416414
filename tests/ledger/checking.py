"""The ledger check run after money tests (shared by the fixture and the marker)."""

import pytest

from marketplace.ledger.checks import check_ledger


def fail_on_ledger_problems() -> None:
    """Fail the current test with the report if ``check_ledger()`` finds a problem."""
    problems = check_ledger()
    if problems:
        report = "\n".join(f"  - {problem}" for problem in problems)
        pytest.fail(f"ledger_check found {len(problems)} problem(s):\n{report}")
