"""The outbox tells the shop's owners about a status change, each in their language."""

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from marketplace.common.models import OutboxMessage
from marketplace.common.services import deliver_outbox_message
from marketplace.outbox import HANDLERS
from tests import factories
from vendors import services
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def _expected_subject(vendor, language: str) -> str:
    with translation.override(language):
        return gettext("Your shop “%(name)s” is now: %(status)s") % {
            "name": vendor,
            "status": Vendor.Status.REJECTED.label,
        }


def test_the_status_email_reaches_each_owner_in_their_language(operator):
    # given a submitted shop with a Chinese-speaking and an English-speaking owner
    vendor = factories.VendorFactory(status=Vendor.Status.SUBMITTED)
    zh_owner = vendor.members.get().user
    zh_owner.preferred_language = "zh-hans"
    zh_owner.save()
    en_owner = factories.VendorMemberFactory(
        vendor=vendor, role="owner", user__preferred_language="en"
    ).user
    factories.VendorMemberFactory(vendor=vendor, role="staff")
    services.reject_vendor(vendor=vendor, actor=operator, reason="Blurry scan")
    message = OutboxMessage.objects.get(topic="vendor.status_changed")
    # when the outbox delivers the message
    delivered = deliver_outbox_message(message_id=message.pk, handlers=HANDLERS)
    # then each owner (and no staff) got one email in their own language
    assert delivered is True
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {zh_owner.email, en_owner.email}
    assert sent[zh_owner.email].subject == _expected_subject(vendor, "zh-hans")
    assert sent[en_owner.email].subject == _expected_subject(vendor, "en")
    assert "Blurry scan" in sent[en_owner.email].body
    # and a second delivery sends nothing more
    assert not deliver_outbox_message(message_id=message.pk, handlers=HANDLERS)
    assert len(mail.outbox) == 2
