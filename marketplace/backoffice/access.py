"""Who may open each back-office page and use each action: the one table.

``ACCESS`` maps every URL name of the back-office web pages (namespace
``backoffice``) to the operator roles admitted; an administrator holds every role
(``User.has_operator_role``). The roles match the ops API's (``permissions.py``):
any operator reads; reviewers decide vendors and listings; finance moves money and
sets vendor terms; support arbitrates after-sales; only administrators change the
platform rules or close a shop. The web views check this table
(``views.common.operator_view``), the navigation and the action buttons read it, and
the permissions matrix test walks the URLconf against it, so a page missing here
is refused to everyone and fails the test.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from marketplace.accounts.models import User

Role = User.OperatorRole

ANY = frozenset({Role.REVIEWER, Role.FINANCE, Role.SUPPORT})
REVIEWERS = frozenset({Role.REVIEWER})
FINANCE = frozenset({Role.FINANCE})
SUPPORT = frozenset({Role.SUPPORT})
ADMINS: frozenset[str] = frozenset()

# url name -> (roles besides admin, is an action that writes)
ACCESS: dict[str, tuple[frozenset[str], bool]] = {
    "home": (ANY, False),
    # vendors
    "vendors": (ANY, False),
    "vendor": (ANY, False),
    "vendor-licence": (REVIEWERS, False),
    "vendor-approve": (REVIEWERS, True),
    "vendor-reject": (REVIEWERS, True),
    "vendor-suspend": (REVIEWERS, True),
    "vendor-reinstate": (REVIEWERS, True),
    "vendor-close": (ADMINS, True),
    "vendor-terms": (FINANCE, True),
    # listings
    "listings": (ANY, False),
    "listing": (ANY, False),
    "listing-approve": (REVIEWERS, True),
    "listing-reject": (REVIEWERS, True),
    "revision-approve": (REVIEWERS, True),
    "revision-reject": (REVIEWERS, True),
    "variant-retail-price": (REVIEWERS, True),
    # rules
    "rules": (ANY, False),
    "rules-change": (ADMINS, True),
    "category-commission": (REVIEWERS, True),
    # orders and after-sales
    "orders": (ANY, False),
    "order": (ANY, False),
    "refund-decide": (SUPPORT, True),
    # money
    "payouts": (FINANCE, False),
    "payout-approve": (FINANCE, True),
    "payout-hold": (FINANCE, True),
    "payout-reject": (FINANCE, True),
    "reconciliation": (FINANCE, False),
    "reconciliation-resolve": (FINANCE, True),
    "ledger": (FINANCE, False),
    "reports": (FINANCE, False),
    "reports-csv": (FINANCE, False),
}

# The navigation, in order: (url name, label); shown when the page is allowed.
NAVIGATION = (
    ("home", _("Overview")),
    ("vendors", _("Vendors")),
    ("listings", _("Listings")),
    ("rules", _("Rules")),
    ("orders", _("Orders")),
    ("payouts", _("Payouts")),
    ("reconciliation", _("Reconciliation")),
    ("ledger", _("Ledger")),
    ("reports", _("Reports")),
)


def may(user, name: str) -> bool:
    """Return whether ``user`` may open the page or use the action ``name``."""
    if name not in ACCESS or not getattr(user, "is_authenticated", False):
        return False
    roles, _writes = ACCESS[name]
    return user.has_operator_role(*roles)


def is_action(name: str) -> bool:
    return ACCESS[name][1]
