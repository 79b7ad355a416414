"""Status changes of a vendor: review, suspension, reinstatement and closing.

Every change goes through ``change_vendor_status``, which locks the row, checks
``Vendor.TRANSITIONS``, saves, appends a ``VendorEvent`` and writes the outbox row
that tells the owners, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.common import cache
from marketplace.common.errors import InvalidTransition
from marketplace.common.services import enqueue_outbox
from marketplace.rules.selectors import get_rules
from vendors.models import Vendor, VendorEvent
from vendors.services.checks import (
    clean_reason,
    lock_vendor,
    require_operator,
    sync_instance,
    validate_fields,
)

STATUS_CHANGED_TOPIC = "vendor.status_changed"
Status = Vendor.Status
Role = User.OperatorRole


@transaction.atomic
def change_vendor_status(
    *,
    vendor: Vendor,
    actor: User | None,
    target: str,
    reason: str = "",
    allowed_from: Iterable[str] | None = None,
    prepare: Callable[[Vendor], list[str]] | None = None,
) -> Vendor:
    """Move ``vendor`` to ``target`` and record who, when, from, to and why.

    Refuses (409, nothing written) a move not in ``Vendor.TRANSITIONS`` or, when
    given, from a status outside ``allowed_from``. ``prepare`` receives the locked
    row after the transition check, may refuse by raising, and returns the names of
    the other fields it set. The owners' email leaves through the outbox after
    commit. The caller's ``vendor`` is updated in place and returned.
    """
    cache.bump(cache.CATALOG)
    locked = lock_vendor(vendor)
    current = locked.status
    if not locked.can_move_to(target) or (
        allowed_from is not None and current not in set(allowed_from)
    ):
        raise InvalidTransition(
            kind=_("shop"), current=Status(current).label, target=Status(target).label
        )
    changed = ["status", "status_reason", *(prepare(locked) if prepare else [])]
    locked.status = target
    locked.status_reason = reason
    locked.save(update_fields=changed)
    event = VendorEvent.objects.create(
        vendor=locked,
        actor=actor,
        from_status=current,
        to_status=target,
        reason=reason,
    )
    enqueue_outbox(
        topic=STATUS_CHANGED_TOPIC,
        key=f"vendor:{locked.pk}:event:{event.pk}",
        payload={
            "vendor_id": locked.pk,
            "event_id": event.pk,
            "from_status": current,
            "to_status": target,
            "reason": reason,
        },
    )
    sync_instance(vendor, locked)
    return vendor


@transaction.atomic
def approve_vendor(
    *,
    vendor: Vendor,
    actor: User | None,
    reason: str = "",
    deposit_required: int | None = None,
) -> Vendor:
    """Approve a submitted application; the shop may then sell.

    The deposit requirement is ``deposit_required`` when given, else the one an
    operator already set (``set_vendor_terms``), else the platform default.
    Reviewers and admins only.
    """
    require_operator(actor, Role.REVIEWER)
    reason = clean_reason(reason, required=False)

    def prepare(locked: Vendor) -> list[str]:
        locked.approved_at = timezone.now()
        if deposit_required is not None:
            locked.deposit_required = deposit_required
            locked.deposit_overridden = True
        elif not locked.deposit_overridden:
            locked.deposit_required = get_rules().default_deposit_amount
        validate_fields(locked, ["deposit_required"])
        return ["approved_at", "deposit_required", "deposit_overridden"]

    return change_vendor_status(
        vendor=vendor,
        actor=actor,
        target=Status.APPROVED,
        reason=reason,
        allowed_from=[Status.SUBMITTED],
        prepare=prepare,
    )


@transaction.atomic
def reject_vendor(*, vendor: Vendor, actor: User | None, reason: str) -> Vendor:
    """Send a submitted application back with a reason; the owner may fix and resubmit.

    Reviewers and admins only; ``reason`` is required.
    """
    require_operator(actor, Role.REVIEWER)
    return change_vendor_status(
        vendor=vendor,
        actor=actor,
        target=Status.REJECTED,
        reason=clean_reason(reason, required=True),
    )


@transaction.atomic
def suspend_vendor(*, vendor: Vendor, actor: User | None, reason: str) -> Vendor:
    """Stop an approved shop from selling until it is reinstated.

    Reviewers and admins only; ``reason`` is required.
    """
    require_operator(actor, Role.REVIEWER)
    return change_vendor_status(
        vendor=vendor,
        actor=actor,
        target=Status.SUSPENDED,
        reason=clean_reason(reason, required=True),
    )


@transaction.atomic
def reinstate_vendor(*, vendor: Vendor, actor: User | None, reason: str = "") -> Vendor:
    """Let a suspended shop sell again. Reviewers and admins only."""
    require_operator(actor, Role.REVIEWER)
    return change_vendor_status(
        vendor=vendor,
        actor=actor,
        target=Status.APPROVED,
        reason=clean_reason(reason, required=False),
        allowed_from=[Status.SUSPENDED],
    )


@transaction.atomic
def close_vendor(*, vendor: Vendor, actor: User | None, reason: str = "") -> Vendor:
    """Close a shop for good; a closed shop never reopens. Admins only."""
    require_operator(actor)
    return change_vendor_status(
        vendor=vendor,
        actor=actor,
        target=Status.CLOSED,
        reason=clean_reason(reason, required=False),
    )
