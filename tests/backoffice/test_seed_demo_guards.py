"""``seed_demo`` never mixes the demo into a database that holds data."""

import io

import pytest
from django.core.management import CommandError, call_command

from marketplace.accounts.models import User
from tests import factories
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_a_database_that_holds_data():
    factories.UserFactory()

    with pytest.raises(CommandError, match="only into an empty one"):
        call_command("seed_demo", stdout=io.StringIO())

    assert User.objects.count() == 1
    assert Vendor.objects.count() == 0


def test_seed_demo_if_empty_is_quiet_on_a_database_that_holds_data():
    factories.VendorFactory()
    output = io.StringIO()

    call_command("seed_demo", "--if-empty", stdout=output)

    assert Vendor.objects.count() == 1
    assert output.getvalue() == "The database already holds data; demo not loaded.\n"


def test_seed_demo_is_never_loaded_with_production_settings(settings):
    settings.SETTINGS_MODULE = "marketplace.settings.production"

    with pytest.raises(CommandError, match="never loaded with the production"):
        call_command("seed_demo", stdout=io.StringIO())

    assert User.objects.count() == 0
