"""``manage.py ledger_check``: verify the ledger's invariants; exit 1 on any problem."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from marketplace.ledger.checks import check_ledger
from marketplace.ledger.selectors import get_ledger_size

# Each check returns readable problems (empty when fine). The per-order invariants
# (escrow 0 for final orders, captured = shares + revenue + refunds) go here too.
CHECKS: list[Callable[[], list[str]]] = [check_ledger]


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
