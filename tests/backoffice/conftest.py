"""Fixtures of the back-office page tests: an operator of each role, web clients."""

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from marketplace.accounts.models import User
from tests import factories
from vendors.models import Vendor

Role = User.OperatorRole


@pytest.fixture
def operators(db) -> dict[str, User]:
    """One active operator per role (none of them Django staff)."""
    return {
        role: factories.UserFactory(
            operator_role=role, email=f"{role}@ops.example.test"
        )
        for role in Role.values
    }


@pytest.fixture
def web():
    """Return a factory of web clients signed in (session) as a given user."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def submitted_vendor(db) -> Vendor:
    """An application waiting for review, with its licence scan."""
    vendor = factories.VendorFactory(
        status=Vendor.Status.SUBMITTED,
        approved_at=None,
        submitted_at=timezone.now(),
    )
    vendor.licence_image.save("licence.webp", licence_scan())
    return vendor


def licence_scan() -> ContentFile:
    """A small WebP picture standing for a business-licence scan."""
    picture = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(picture, format="WEBP")
    return ContentFile(picture.getvalue())


def fund(vendor, amount: int) -> None:
    """Give the vendor ``amount`` available in the ledger (no provider money)."""
    from marketplace.ledger.models import Account
    from marketplace.ledger.services import get_or_create_account, record_entry

    def account(owner_type, owner_id, kind):
        return get_or_create_account(
            owner_type=owner_type, owner_id=owner_id, kind=kind, currency="CNY"
        )

    record_entry(
        idempotency_key=f"test-fund-{vendor.pk}-{amount}",
        kind="test_funding",
        postings=[
            (account("platform", "platform", Account.Kind.PROVIDER_CASH), amount),
            (account("vendor", vendor.pk, Account.Kind.VENDOR_AVAILABLE), -amount),
        ],
    )


def request_large_withdrawal(vendor, amount: int = 2_000_000):
    """A withdrawal above the approval threshold: it waits for finance."""
    from vendors.services.withdrawals import request_withdrawal

    fund(vendor, amount)
    owner = vendor.members.get().user
    return request_withdrawal(vendor=vendor, actor=owner, amount=amount)


@pytest.fixture
def awaiting_withdrawal(vendor):
    return request_large_withdrawal(vendor)
