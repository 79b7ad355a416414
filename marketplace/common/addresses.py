"""The structured postal address, copied wherever an address is kept."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

region_code = RegexValidator(
    r"^[0-9A-Za-z]{1,12}$",
    _("Use the administrative-division code, letters and digits."),
)
phone_number = RegexValidator(
    r"^\+?[0-9][0-9 \-]{4,30}$", _("Enter a valid phone number.")
)


class AddressFields(models.Model):
    """Recipient, phone, administrative-division codes and the detail line.

    In mainland China the codes are GB/T 2260 (province, city, district); elsewhere the
    same three levels hold the region codes the carrier uses.
    """

    recipient = models.CharField(_("recipient"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, validators=[phone_number])
    country_code = models.CharField(_("country"), max_length=2, default="CN")
    province_code = models.CharField(
        _("province code"), max_length=12, validators=[region_code]
    )
    city_code = models.CharField(
        _("city code"), max_length=12, validators=[region_code]
    )
    district_code = models.CharField(
        _("district code"), max_length=12, validators=[region_code]
    )
    detail = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)

    ADDRESS_FIELDS = (
        "recipient",
        "phone",
        "country_code",
        "province_code",
        "city_code",
        "district_code",
        "detail",
        "postal_code",
    )

    class Meta:
        abstract = True

    def address_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.ADDRESS_FIELDS}
