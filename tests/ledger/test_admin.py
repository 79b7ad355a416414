import pytest
from django.urls import reverse

from marketplace.ledger.models import JournalEntry
from tests import factories


@pytest.fixture
def admin_client_(client, db):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_shows_an_entry_with_its_postings_read_only(admin_client_, funded):
    entry = JournalEntry.objects.get()

    page = admin_client_.get(
        reverse("admin:ledger_journalentry_change", args=[entry.pk])
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    inline = page.context["inline_admin_formsets"][0]
    assert inline.formset.prefix == "postings"
    assert [form.original.amount for form in inline] == [100_00, -100_00]
    assert inline.has_add_permission is False


@pytest.mark.parametrize("model", ["account", "journalentry", "posting"])
def test_admin_offers_no_add_change_or_delete(admin_client_, funded, model):
    add = admin_client_.get(reverse(f"admin:ledger_{model}_add"))
    listing = admin_client_.get(reverse(f"admin:ledger_{model}_changelist"))

    assert add.status_code == 403
    assert listing.status_code == 200
    assert listing.context["has_add_permission"] is False
