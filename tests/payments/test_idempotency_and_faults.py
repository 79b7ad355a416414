"""Idempotency keys and injected faults: one effect at the provider, always."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.payments.port import (
    Allocation,
    Outcome,
    PaymentStatus,
    ProviderIdempotencyError,
    ProviderUnavailable,
    RefundRequest,
)
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxPayment, SandboxRefund
from tests.payments.conftest import open_payee, payment_request


def refund_request(payment_id, payee, amount):
    return RefundRequest(
        payment_id=payment_id,
        amount=amount,
        currency="CNY",
        allocations=(Allocation(payee, amount),),
    )


@pytest.mark.django_db
def test_same_key_and_params_returns_the_first_payment(provider, payees):
    first = provider.create_payment(payment_request(payees), idempotency_key="k1")

    second = provider.create_payment(payment_request(payees), idempotency_key="k1")

    assert second == first
    assert SandboxPayment.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_other_params_is_an_idempotency_error(provider, payees):
    provider.create_payment(payment_request(payees), idempotency_key="k1")

    with pytest.raises(ProviderIdempotencyError):
        provider.create_payment(
            payment_request(payees, amounts=(20_000, 10_251)), idempotency_key="k1"
        )
    assert SandboxPayment.objects.count() == 1


@pytest.mark.django_db
def test_same_key_for_another_operation_is_an_idempotency_error(
    provider, payees, paid_payment
):
    with pytest.raises(ProviderIdempotencyError):
        provider.refund(
            refund_request(paid_payment, payees[0], 100), idempotency_key="pay-1"
        )


@pytest.mark.django_db
def test_a_replayed_refund_refunds_once(provider, payees, paid_payment):
    request = refund_request(paid_payment, payees[0], 100)
    first = provider.refund(request, idempotency_key="r1")

    second = provider.refund(request, idempotency_key="r1")

    assert second == first
    assert SandboxRefund.objects.count() == 1
    assert provider.get_payment(paid_payment).amount_refunded == 100


@pytest.mark.django_db
def test_a_replayed_failure_is_the_same_failure(provider, payees, paid_payment):
    request = refund_request(paid_payment, payees[0], 20_001)
    first = provider.refund(request, idempotency_key="r1")

    second = provider.refund(request, idempotency_key="r1")

    assert first.outcome is Outcome.FAILED
    assert second == first


@pytest.mark.django_db
def test_a_refused_payment_writes_nothing_and_replays_its_failure(provider, payees):
    # creating a payment checks every payee before its first write (no savepoint)
    request = payment_request((payees[0], "acct_nobody"))
    with CaptureQueriesContext(connection) as queries:
        first = provider.create_payment(request, idempotency_key="k1")

    second = provider.create_payment(request, idempotency_key="k1")
    other_key = provider.create_payment(payment_request(payees), idempotency_key="k2")

    assert (first.outcome, first.failure_code) == (Outcome.FAILED, "resource_missing")
    assert second == first
    assert other_key.outcome is Outcome.SUCCEEDED
    assert SandboxPayment.objects.count() == 1
    # the key's transaction (a savepoint in the test's), and none around the effect
    savepoints = [q for q in queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creates_with_one_key_make_one_payment(provider):
    control.hold_webhooks()  # keep on-commit tasks out of the broker
    payees = open_payee(provider, "tea-house"), open_payee(provider, "pottery")
    barrier = threading.Barrier(20)
    results, errors = [], []

    def create():
        try:
            barrier.wait()
            results.append(
                provider.create_payment(payment_request(payees), idempotency_key="k1")
            )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == 20
    assert {r.payment_id for r in results} == {SandboxPayment.objects.get().payment_id}
    assert {r.outcome for r in results} == {Outcome.SUCCEEDED}


@pytest.mark.django_db
def test_a_lost_response_is_unknown_and_a_status_query_resolves_it(
    provider, payees, paid_payment
):
    control.inject_fault("timeout_after_commit", operation="refund")
    request = refund_request(paid_payment, payees[0], 700)

    lost = provider.refund(request, idempotency_key="r1")
    info = provider.get_payment(paid_payment)
    retried = provider.refund(request, idempotency_key="r1")

    assert lost.outcome is Outcome.UNKNOWN
    assert lost.refund_id == ""
    assert (info.amount_refunded, info.splits[0].refunded) == (700, 700)
    assert retried.outcome is Outcome.SUCCEEDED
    assert retried.refund_id == SandboxRefund.objects.get().refund_id


@pytest.mark.django_db
def test_a_lost_create_response_is_unknown_and_the_retry_finds_the_payment(
    provider, payees
):
    control.inject_fault("timeout_after_commit", operation="create_payment")

    lost = provider.create_payment(payment_request(payees), idempotency_key="k1")
    retried = provider.create_payment(payment_request(payees), idempotency_key="k1")

    assert lost.outcome is Outcome.UNKNOWN
    assert retried.outcome is Outcome.SUCCEEDED
    assert retried.payment_id == SandboxPayment.objects.get().payment_id


@pytest.mark.django_db
def test_a_server_error_is_unknown_and_did_nothing(provider, payees):
    control.inject_fault("server_error", operation="create_payment")

    result = provider.create_payment(payment_request(payees), idempotency_key="k1")

    assert result.outcome is Outcome.UNKNOWN
    assert result.failure_code == "server_error"
    assert SandboxPayment.objects.count() == 0


@pytest.mark.django_db
def test_rate_limited_is_a_retryable_failure(provider, payees):
    control.inject_fault("rate_limited", operation="create_payment")

    limited = provider.create_payment(payment_request(payees), idempotency_key="k1")
    retried = provider.create_payment(payment_request(payees), idempotency_key="k1")

    assert (limited.outcome, limited.retryable) == (Outcome.FAILED, True)
    assert retried.status is PaymentStatus.REQUIRES_PAYMENT
    assert SandboxPayment.objects.count() == 1


@pytest.mark.django_db
def test_a_status_query_that_cannot_reach_the_provider_raises(provider, paid_payment):
    control.inject_fault("server_error", operation="get_payment")

    with pytest.raises(ProviderUnavailable):
        provider.get_payment(paid_payment)
    assert provider.get_payment(paid_payment).status is PaymentStatus.SUCCEEDED


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "has space", "x" * 65, "ключ"])
def test_a_malformed_idempotency_key_is_refused(provider, payees, key):
    with pytest.raises(ValueError, match="idempotency_key"):
        provider.create_payment(payment_request(payees), idempotency_key=key)
