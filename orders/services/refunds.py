"""After-sales v1 and every refund: requests, decisions, and money back via the port.

A ``Refund`` row is written in the business transaction with an outbox row; the
outbox task asks the provider (``execute_refund``) with the refund's own idempotency
key, so a worker that dies mid-way refunds nothing twice. Where the provider keeps
each vendor's part frozen in the vendor's account (``books.funds_frozen``), a refund
after settlement first has the provider return the shared part (分账回退), then
refunds.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.common.errors import Conflict, NotFound, ValidationFailed
from marketplace.common.money import allocate
from marketplace.common.services import enqueue_outbox
from marketplace.payments.port import Allocation, OperationStatus, Outcome
from marketplace.payments.port import RefundRequest as ProviderRefundRequest
from marketplace.payments.providers import get_provider
from orders.models import (
    Order,
    Refund,
    RefundRequest,
    RefundRequestLine,
    VendorOrder,
)
from orders.services.books import funds_frozen
from orders.services.transitions import check_transition, lock_vendor_order

REFUND_TOPIC = "order.refund_created"
REQUEST_TOPIC = "order.refund_request_changed"
REFUNDABLE_STATUSES = (
    VendorOrder.Status.PAID,
    VendorOrder.Status.ACCEPTED,
    VendorOrder.Status.SHIPPED,
    VendorOrder.Status.DELIVERED,
)


def split_over_lines(vendor_order: VendorOrder, amount: int, weights=None) -> dict:
    """Split ``amount`` over the lines (and shipping) by their value, exactly.

    ``weights`` maps line id → value to weigh by (default: each line's total, plus
    the shipping fee); the parts add up to ``amount`` (``money.allocate``).
    """
    if weights is None:
        weights = {line.pk: line.line_total for line in vendor_order.lines.all()}
        shipping = vendor_order.shipping_fee
    else:
        shipping = 0
    keys = list(weights)
    parts = allocate(amount, [weights[k] for k in keys] + [shipping])
    return {
        "lines": {str(k): part for k, part in zip(keys, parts, strict=False)},
        "shipping": parts[-1],
    }


def create_refund(
    *,
    order: Order,
    vendor_order: VendorOrder | None,
    kind: str,
    amount: int,
    key: str,
    allocations: dict | None = None,
    request: RefundRequest | None = None,
    reason: str = "",
) -> Refund:
    """Write a pending refund and the outbox row that carries it to the provider.

    Call with the order (and vendor order) LOCKED. ``key`` names the business
    operation; a second call with it returns the first refund and adds nothing.
    """
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    refund = Refund.objects.create(
        order=order,
        vendor_order=vendor_order,
        request=request,
        kind=kind,
        amount=amount,
        currency=order.currency,
        allocations=allocations or {},
        idempotency_key=key,
        failure_reason="",
    )
    if vendor_order is not None:
        VendorOrder.objects.filter(pk=vendor_order.pk).update(
            refunded_total=F("refunded_total") + amount
        )
        vendor_order.refunded_total += amount
    if kind != Refund.Kind.LATE_PAYMENT:
        Order.objects.filter(pk=order.pk).update(
            refunded_total=F("refunded_total") + amount
        )
        order.refunded_total += amount
    if vendor_order is not None and vendor_order.status == VendorOrder.Status.COMPLETED:
        from orders.services.settlement import rebook_vendor_order

        rebook_vendor_order(
            vendor_order=vendor_order,
            key=f"refund:{refund.pk}:clawback",
            refund_id=refund.pk,
        )
    enqueue_outbox(
        topic=REFUND_TOPIC,
        key=f"refund:{refund.pk}",
        payload={"refund_id": refund.pk, "reason": reason},
    )
    return refund


def refund_vendor_order(
    *, vendor_order: VendorOrder, kind: str, reason: str
) -> Refund | None:
    """Refund what is left of a LOCKED vendor order (cancellation or refusal)."""
    amount = vendor_order.refundable
    if amount <= 0:
        return None
    return create_refund(
        order=vendor_order.order,
        vendor_order=vendor_order,
        kind=kind,
        amount=amount,
        key=f"vendor_order:{vendor_order.pk}:{kind}",
        allocations=split_over_lines(vendor_order, amount),
        reason=reason,
    )


def _clean_request_lines(vendor_order: VendorOrder, lines) -> dict:
    if not lines:
        return {}
    if not isinstance(lines, list | tuple):
        raise ValidationFailed(errors={"lines": [_("Give a list of lines.")]})
    own = {line.pk: line for line in vendor_order.lines.all()}
    chosen, errors = {}, {}
    for index, item in enumerate(lines):
        item = item if isinstance(item, dict) else {}
        line = own.get(item.get("order_line_id"))
        quantity = item.get("quantity")
        if line is None or line.pk in chosen:
            errors[f"lines[{index}].order_line_id"] = [
                _("Choose a line of this order.")
            ]
        elif (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= line.quantity
        ):
            errors[f"lines[{index}].quantity"] = [
                _("Enter a whole number from 1 to %(max)s.") % {"max": line.quantity}
            ]
        else:
            chosen[line.pk] = (line, quantity)
    if errors:
        raise ValidationFailed(errors=errors)
    return chosen


def pause_completion(vendor_order: VendorOrder, *, now=None) -> None:
    """Stop a LOCKED vendor order's completion clock (an after-sales request opened)."""
    vendor_order.completion_paused = True
    vendor_order.completion_paused_at = now or timezone.now()
    vendor_order.save(update_fields=["completion_paused", "completion_paused_at"])


def resume_completion(vendor_order: VendorOrder, *, now=None) -> None:
    """Restart a LOCKED vendor order's clock, pushed back by the time it was paused."""
    now = now or timezone.now()
    if vendor_order.auto_complete_at and vendor_order.completion_paused_at:
        vendor_order.auto_complete_at += now - vendor_order.completion_paused_at
    vendor_order.completion_paused = False
    vendor_order.completion_paused_at = None
    vendor_order.save(
        update_fields=["completion_paused", "completion_paused_at", "auto_complete_at"]
    )


def _announce(request: RefundRequest) -> None:
    enqueue_outbox(
        topic=REQUEST_TOPIC,
        key=f"refund_request:{request.pk}:{request.status}",
        payload={"refund_request_id": request.pk, "status": request.status},
    )


@transaction.atomic
def request_refund(
    *,
    shopper,
    vendor_order_id: int,
    type: str,
    reason: str,
    amount: int | None = None,
    lines: list[dict] | None = None,
    order_number: str | None = None,
) -> RefundRequest:
    """Ask for a refund of the shopper's vendor order, or of some of its lines.

    ``amount`` defaults to the value of the chosen lines, else all that is
    refundable; it may not exceed what is refundable. One request may be open per
    vendor order; while it is open the completion clock is paused.
    """
    vendor_order = lock_vendor_order(
        vendor_order_id=vendor_order_id, shopper=shopper, order_number=order_number
    )
    errors = {}
    if type not in RefundRequest.Type.values:
        errors["type"] = [_("Choose refund only, or return and refund.")]
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = [_("Say why you want a refund.")]
    if errors:
        raise ValidationFailed(errors=errors)
    if vendor_order.status not in REFUNDABLE_STATUSES:
        raise Conflict(_("This order cannot be refunded now."), code="not_refundable")
    if vendor_order.refund_requests.filter(
        status=RefundRequest.Status.REQUESTED
    ).exists():
        raise Conflict(
            _("An after-sales request is already open."), code="after_sales_open"
        )
    chosen = _clean_request_lines(vendor_order, lines)
    if amount is None:
        amount = (
            sum(line.unit_price * q for line, q in chosen.values())
            if chosen
            else vendor_order.refundable
        )
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or not 1 <= amount <= vendor_order.refundable
    ):
        raise ValidationFailed(
            errors={
                "amount": [
                    _("Enter an amount from 1 to %(max)s.")
                    % {"max": vendor_order.refundable}
                ]
            }
        )
    request = RefundRequest.objects.create(
        vendor_order=vendor_order,
        type=type,
        amount=amount,
        currency=vendor_order.currency,
        reason=reason.strip()[:2000],
        requested_by=shopper,
    )
    RefundRequestLine.objects.bulk_create(
        RefundRequestLine(request=request, order_line=line, quantity=q)
        for line, q in chosen.values()
    )
    pause_completion(vendor_order)
    _announce(request)
    return request


def _lock_request(*, request_id: int, vendor=None) -> tuple[RefundRequest, VendorOrder]:
    vendor_order_id = (
        RefundRequest.objects.filter(pk=request_id)
        .filter(**({"vendor_order__vendor": vendor} if vendor is not None else {}))
        .values_list("vendor_order_id", flat=True)
        .first()
    )
    if vendor_order_id is None:
        raise NotFound()
    vendor_order = lock_vendor_order(vendor_order_id=vendor_order_id)
    request = RefundRequest.objects.select_for_update().get(pk=request_id)
    return request, vendor_order


def _decide(request, vendor_order, *, accept: bool, actor, operator: bool, reason: str):
    target = RefundRequest.Status.ACCEPTED if accept else RefundRequest.Status.REFUSED
    check_transition(request, target, kind="refund request")
    if not accept and not reason.strip():
        raise ValidationFailed(errors={"reason": [_("Say why you refuse.")]})
    if accept and request.amount > vendor_order.refundable:
        raise Conflict(_("The amount is more than what is left to refund."))
    request.status = target
    request.decided_by = actor
    request.decided_by_operator = operator
    request.decision_reason = reason
    request.decided_at = timezone.now()
    request.save()
    resume_completion(vendor_order)
    if accept:
        weights = {
            rl.order_line_id: rl.order_line.unit_price * rl.quantity
            for rl in request.lines.select_related("order_line")
        } or None
        create_refund(
            order=vendor_order.order,
            vendor_order=vendor_order,
            kind=Refund.Kind.AFTER_SALES,
            amount=request.amount,
            key=f"refund_request:{request.pk}",
            allocations=split_over_lines(vendor_order, request.amount, weights),
            request=request,
            reason=request.reason,
        )
    _announce(request)
    return request


@transaction.atomic
def accept_refund(*, vendor, request_id: int, actor, reason: str = "") -> RefundRequest:
    """The vendor accepts an open request of its own; the provider refunds it."""
    request, vendor_order = _lock_request(request_id=request_id, vendor=vendor)
    return _decide(
        request, vendor_order, accept=True, actor=actor, operator=False, reason=reason
    )


@transaction.atomic
def refuse_refund(*, vendor, request_id: int, actor, reason: str) -> RefundRequest:
    """The vendor refuses an open request of its own, saying why."""
    request, vendor_order = _lock_request(request_id=request_id, vendor=vendor)
    return _decide(
        request,
        vendor_order,
        accept=False,
        actor=actor,
        operator=False,
        reason=reason or "",
    )


@transaction.atomic
def decide_refund(
    *, operator, request_id: int, accept: bool, reason: str
) -> RefundRequest:
    """An operator decides an open request instead of the vendor."""
    request, vendor_order = _lock_request(request_id=request_id)
    return _decide(
        request,
        vendor_order,
        accept=accept,
        actor=operator,
        operator=True,
        reason=reason or "",
    )


class RefundNotSettled(Exception):
    """The provider's answer is unknown or retryable: retry with the same key."""


def _allocations(refund: Refund, provider, advance: int = 0) -> tuple[Allocation, ...]:
    """Return the refund's allocations; the platform pays ``advance`` of the
    refunded vendor order's part (``frozen_refunds.advanced_amount``)."""
    from orders.services.books import vendor_parts
    from orders.services.payment import payee_refs

    parts = vendor_parts(refund.order, refund.amount, refund.vendor_order)
    refs = payee_refs(vendors=[vo.vendor for vo, _part in parts], provider=provider)
    return tuple(
        Allocation(
            payee_ref=refs[vo.vendor_id],
            amount=part,
            advance=advance if vo.pk == refund.vendor_order_id else 0,
        )
        for vo, part in parts
        if part > 0
    )


def execute_refund(*, refund_id: int) -> str:
    """Ask the provider to carry out a pending refund; return its status after.

    Call from the outbox (it retries): ``RefundNotSettled`` means try again later
    with the same idempotency key; a refund the provider reports done is completed
    here, one still pending is completed by its webhook.
    """
    refund = Refund.objects.select_related("order", "vendor_order__vendor").get(
        pk=refund_id
    )
    if refund.status != Refund.Status.PENDING or refund.provider_reference:
        return refund.status
    provider = get_provider()
    frozen = refund.vendor_order_id and funds_frozen(refund.order.payment_provider)
    for attempt in (1, 2):
        key, advance = f"refund-{refund.pk}", 0
        if frozen:
            from orders.services import frozen_refunds

            try:
                key = frozen_refunds.return_settled_part(
                    refund=refund, provider=provider
                )
            except frozen_refunds.ReturnRefused as refused:
                _finish_refund(
                    Refund.objects.select_for_update().get(pk=refund.pk),
                    succeeded=False,
                    reason=str(refused),
                )
                return Refund.Status.FAILED
            if key is None:
                raise RefundNotSettled("the settled part is not returned yet")
            advance = frozen_refunds.advanced_amount(refund)
        result = provider.refund(
            ProviderRefundRequest(
                payment_id=refund.order.payment_reference,
                amount=refund.amount,
                currency=refund.currency,
                allocations=_allocations(refund, provider, advance),
                reason=refund.get_kind_display(),
            ),
            idempotency_key=key,
        )
        if not (frozen and attempt == 1 and result.outcome == Outcome.FAILED):
            break
        from orders.services.frozen_refunds import advance_withdrawn_part

        if not advance_withdrawn_part(refund=refund, failure=result.failure_code):
            break
    if result.outcome == Outcome.SUCCEEDED:
        Refund.objects.filter(pk=refund.pk).update(provider_reference=result.refund_id)
        if result.status == OperationStatus.SUCCEEDED:
            complete_refund(provider_reference=result.refund_id, succeeded=True)
        elif result.status == OperationStatus.FAILED:
            complete_refund(provider_reference=result.refund_id, succeeded=False)
        return Refund.objects.get(pk=refund.pk).status
    if result.outcome == Outcome.FAILED and not result.retryable:
        _finish_refund(
            Refund.objects.select_for_update().get(pk=refund.pk),
            succeeded=False,
            reason=result.failure_message or result.failure_code,
        )
        return Refund.Status.FAILED
    raise RefundNotSettled(result.failure_code or result.outcome)


@transaction.atomic
def complete_refund(
    *, provider_reference: str, succeeded: bool, reason: str = ""
) -> bool:
    """Apply the provider's final word on a refund; return False if nothing changed.

    A refund leaves ``pending`` once: a repeated or late event never moves it back.
    """
    refund = (
        Refund.objects.select_for_update()
        .filter(provider_reference=provider_reference)
        .first()
    )
    if refund is None:
        return False
    return _finish_refund(refund, succeeded=succeeded, reason=reason)


def _finish_refund(refund: Refund, *, succeeded: bool, reason: str = "") -> bool:
    from orders.services.books import book_refund

    if refund.status != Refund.Status.PENDING:
        return False
    refund.status = Refund.Status.SUCCEEDED if succeeded else Refund.Status.FAILED
    refund.failure_reason = reason[:2000]
    refund.completed_at = timezone.now()
    refund.save(update_fields=["status", "failure_reason", "completed_at"])
    if succeeded:
        book_refund(refund=refund)
    else:
        if refund.vendor_order_id:
            VendorOrder.objects.filter(pk=refund.vendor_order_id).update(
                refunded_total=F("refunded_total") - refund.amount
            )
            _restore_completed(refund)
        if refund.kind != Refund.Kind.LATE_PAYMENT:
            Order.objects.filter(pk=refund.order_id).update(
                refunded_total=F("refunded_total") - refund.amount
            )
    if refund.request_id:
        request = RefundRequest.objects.select_for_update().get(pk=refund.request_id)
        target = (
            RefundRequest.Status.REFUNDED if succeeded else RefundRequest.Status.FAILED
        )
        if target in RefundRequest.TRANSITIONS[RefundRequest.Status(request.status)]:
            request.status = target
            request.save(update_fields=["status"])
            _announce(request)
    return True


def _restore_completed(refund: Refund) -> None:
    """Give a failed refund's part of a completed vendor order back to its shares."""
    from orders.services.settlement import rebook_vendor_order

    Order.objects.select_for_update().filter(pk=refund.order_id).first()
    vendor_order = VendorOrder.objects.select_for_update().get(
        pk=refund.vendor_order_id
    )
    if vendor_order.status == VendorOrder.Status.COMPLETED:
        rebook_vendor_order(
            vendor_order=vendor_order,
            key=f"refund:{refund.pk}:restored",
            refund_id=refund.pk,
        )


def execute_refund_message(message) -> None:
    """Outbox handler of ``order.refund_created``."""
    execute_refund(refund_id=message.payload["refund_id"])
