"""Fixtures of the dashboard page tests: signed-in web clients of a vendor."""

import pytest
from django.test import Client

from tests import factories
from vendors.models import VendorMember


@pytest.fixture
def web_for():
    """Return a factory of web clients (session, CSRF checks on) signed in as a user."""

    def make(user) -> Client:
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def owner_web(web_for, vendor_owner):
    return web_for(vendor_owner)


@pytest.fixture
def staff_member(vendor, vendor_owner):
    """A staff member of ``vendor`` (after its owner, whom ``vendor_owner`` finds)."""
    return factories.VendorMemberFactory(
        vendor=vendor, role=VendorMember.Role.STAFF
    ).user


@pytest.fixture
def staff_web(web_for, staff_member):
    return web_for(staff_member)
