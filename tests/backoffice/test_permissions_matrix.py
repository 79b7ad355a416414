"""Every back-office page and action against every operator role, a vendor owner,
a shopper and an anonymous visitor.

The routes are walked from the URLconf, so a new page without a case here (and a
rule in ``backoffice.access.ACCESS``) fails. An allowed request succeeds (pages
200, actions redirect after doing their work); a forbidden one gets 403 or 404
(anonymous visitors go to sign-in) and changes no row.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from marketplace.backoffice.access import ACCESS, is_action
from marketplace.catalog.models import Category, Product, ProductRevision, Variant
from marketplace.common.models import AuditEvent, OutboxMessage
from marketplace.ledger.models import JournalEntry
from marketplace.rules.models import PlatformRules
from orders.models import ReconciliationItem, Refund, RefundRequest
from tests.backoffice.world import World, build_world
from tests.urlwalk import routes_under
from vendors.models import Vendor, VendorEvent, Withdrawal, WithdrawalEvent

pytestmark = [pytest.mark.django_db, pytest.mark.money]

OPERATORS = ("admin", "reviewer", "finance", "support")
ACTORS = (*OPERATORS, "vendor_owner", "shopper", "anonymous")


def u(name, *args):
    return reverse(f"backoffice:{name}", args=args)


# name -> (url, POST data or None for a GET) built from the world
CASES = {
    "home": lambda w: (u("home"), None),
    "vendors": lambda w: (u("vendors"), None),
    "vendor": lambda w: (u("vendor", w.submitted.pk), None),
    "vendor-licence": lambda w: (u("vendor-licence", w.submitted.pk), None),
    "vendor-approve": lambda w: (
        u("vendor-approve", w.submitted.pk),
        {"approve-reason": "ok"},
    ),
    "vendor-reject": lambda w: (
        u("vendor-reject", w.submitted.pk),
        {"reject-reason": "blurred"},
    ),
    "vendor-suspend": lambda w: (
        u("vendor-suspend", w.approved.pk),
        {"suspend-reason": "fakes"},
    ),
    "vendor-reinstate": lambda w: (u("vendor-reinstate", w.suspended.pk), {}),
    "vendor-close": lambda w: (u("vendor-close", w.suspended.pk), {}),
    "vendor-terms": lambda w: (
        u("vendor-terms", w.approved.pk),
        {
            "terms-commission_bps_override": "300",
            "terms-deposit_required": "0",
            "terms-reason": "deal",
        },
    ),
    "listings": lambda w: (u("listings"), None),
    "listing": lambda w: (u("listing", w.pending_product.pk), None),
    "listing-approve": lambda w: (u("listing-approve", w.pending_product.pk), {}),
    "listing-reject": lambda w: (
        u("listing-reject", w.pending_product.pk),
        {"reject-reason": "no"},
    ),
    "revision-approve": lambda w: (u("revision-approve", w.revision.pk), {}),
    "revision-reject": lambda w: (
        u("revision-reject", w.revision.pk),
        {"revision-reason": "no"},
    ),
    "variant-retail-price": lambda w: (
        u("variant-retail-price", w.supply_variant.pk),
        {f"v{w.supply_variant.pk}-retail_price": "99.00"},
    ),
    "rules": lambda w: (u("rules"), None),
    "rules-change": lambda w: (
        u("rules-change"),
        {**RULES_FORM, "holding_days": "9", "reason": "why"},
    ),
    "category-commission": lambda w: (
        u("category-commission", w.category.pk),
        {f"c{w.category.pk}-commission_bps": "800"},
    ),
    "orders": lambda w: (u("orders"), None),
    "order": lambda w: (u("order", w.order.number), None),
    "refund-decide": lambda w: (
        u("refund-decide", w.refund_request.pk),
        {
            f"r{w.refund_request.pk}-decision": "refuse",
            f"r{w.refund_request.pk}-reason": "used",
        },
    ),
    "payouts": lambda w: (u("payouts"), None),
    "payout-approve": lambda w: (u("payout-approve", w.withdrawal.pk), {}),
    "payout-hold": lambda w: (
        u("payout-hold", w.withdrawal.pk),
        {f"w{w.withdrawal.pk}-reason": "check"},
    ),
    "payout-reject": lambda w: (
        u("payout-reject", w.withdrawal.pk),
        {f"w{w.withdrawal.pk}-reason": "bad"},
    ),
    "reconciliation": lambda w: (u("reconciliation"), None),
    "reconciliation-resolve": lambda w: (
        u("reconciliation-resolve", w.item.pk),
        {f"i{w.item.pk}-reason": "provider fee"},
    ),
    "ledger": lambda w: (u("ledger"), None),
    "reports": lambda w: (u("reports"), None),
    "reports-csv": lambda w: (u("reports-csv"), None),
}
RULES_FORM = {
    "listing_review_required": "on",
    "default_commission_bps": "500",
    "default_supply_margin_bps": "2500",
    "default_deposit_amount": "0",
    "holding_days": "7",
    "auto_complete_days": "10",
    "payment_timeout_minutes": "30",
    "withdrawal_min_amount": "100",
    "withdrawal_max_per_day": "50000",
    "withdrawal_fee": "0",
    "withdrawal_approval_threshold": "10000",
}


def fingerprint() -> dict:
    """Every row a back-office action may write, with the fields it may change."""
    rows = {
        "vendors": Vendor.objects.values_list(
            "pk", "status", "commission_bps_override", "deposit_required"
        ),
        "products": Product.objects.values_list("pk", "status", "title_zh"),
        "variants": Variant.objects.values_list("pk", "retail_price"),
        "revisions": ProductRevision.objects.values_list("pk", "status"),
        "categories": Category.objects.values_list("pk", "commission_bps"),
        "requests": RefundRequest.objects.values_list("pk", "status"),
        "withdrawals": Withdrawal.objects.values_list("pk", "status"),
        "items": ReconciliationItem.objects.values_list("pk", "status"),
    }
    counted = (
        VendorEvent,
        WithdrawalEvent,
        PlatformRules,
        Refund,
        JournalEntry,
        AuditEvent,
        OutboxMessage,
    )
    return {
        **{name: sorted(q) for name, q in rows.items()},
        **{model.__name__: model.objects.count() for model in counted},
    }


def actor_user(actor: str, world: World, operators: dict):
    if actor in OPERATORS:
        return operators[actor]
    return {"vendor_owner": world.vendor_owner, "shopper": world.shopper}.get(actor)


def allowed(name: str, actor: str) -> bool:
    roles, _ = ACCESS[name]
    return actor == "admin" or actor in roles


def test_every_back_office_route_has_an_access_rule_and_a_case():
    names = {route.name for route in routes_under("backoffice/")}

    assert names == set(ACCESS)
    assert names == set(CASES)


def test_support_cannot_approve_payouts():
    assert not allowed("payout-approve", "support")


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_each_actor_is_admitted_or_refused_without_a_change(name, operators):
    world = build_world()
    results = {}
    for actor in ACTORS:
        with transaction.atomic():
            client = Client()
            user = actor_user(actor, world, operators)
            if user is not None:
                client.force_login(user)
            path, data = CASES[name](world)
            before = fingerprint()
            response = client.get(path) if data is None else client.post(path, data)
            changed = fingerprint() != before
            results[actor] = (response.status_code, changed)
            if actor == "anonymous":
                sign_in = reverse("storefront:sign-in")
                assert response["Location"].startswith(sign_in + "?next=")
            if actor == "admin" and data is not None:
                assert client.get(path).status_code == 405  # actions are POST only
            transaction.set_rollback(True)

    expected = {}
    for actor in ACTORS:
        status, changed = results[actor]
        if allowed(name, actor):
            expected[actor] = (302, True) if is_action(name) else (200, changed)
        elif actor == "anonymous":
            expected[actor] = (302, False)
        else:
            expected[actor] = (403, False) if status != 404 else (404, False)
    assert results == expected
