"""``manage.py ledger_check``: verify the ledger's invariants; exit 1 on any problem."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from marketplace.ledger.checks import check_ledger
from marketplace.ledger.selectors import get_ledger_size
from orders.checks import check_orders
from orders.checks_deposits import check_deposits
from orders.checks_money import check_money

# Each check returns readable problems (empty when fine): the ledger's own, then the
# per-order invariants (orders/checks.py). The ``money`` test marker runs them all.
CHECKS: list[Callable[[], list[str]]] = [
    check_ledger,
    check_orders,
    check_money,
    check_deposits,
]


class Command(BaseCommand):
    help = "Verify the ledger's invariants; report each problem and exit non-zero."

    def handle(self, *args, **options):
        problems = []
        for check in CHECKS:
            found = check()
            for problem in found:
                problems.append(f"[{check.__name__}] {problem}")
        if problems:
            self.stderr.write(f"ledger check FAILED: {len(problems)} problem(s)")
            for problem in problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(
                f"ledger check failed with {len(problems)} problem(s):\n"
                + "\n".join(f"  - {problem}" for problem in problems)
            )
        entries, postings = get_ledger_size()
        self.stdout.write(f"ledger OK: {entries} entries, {postings} postings")
