"""Vendors, their staff, invitations and the history of their status."""

import secrets

from django.conf import settings
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.common.addresses import AddressFields, phone_number
from marketplace.common.models import StatusEvent
from marketplace.common.money import BPS, MAX_AMOUNT

licence_number = RegexValidator(
    r"^[0-9A-Z]{8,30}$",
    _("Use the business-licence number: 8 to 30 capital letters and digits."),
)


def licence_upload_to(vendor, filename):
    return f"licences/{vendor.pk or 'new'}/{secrets.token_hex(8)}.webp"


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class Vendor(AddressFields):
    """A seller. The address fields inherited are its return address.

    Status moves only through ``vendors.services``, along ``TRANSITIONS``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.CLOSED},
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED},
        Status.REJECTED: {Status.SUBMITTED, Status.CLOSED},
        Status.APPROVED: {Status.SUSPENDED, Status.CLOSED},
        Status.SUSPENDED: {Status.APPROVED, Status.CLOSED},
        Status.CLOSED: set(),
    }

    class PricingModel(models.TextChoices):
        SUPPLY_PRICE = "supply_price", _("Supply price (platform sets retail)")
        COMMISSION = "commission", _("Commission on retail price")

    name_en = models.CharField(_("shop name (English)"), max_length=100, blank=True)
    name_zh = models.CharField(_("shop name (Chinese)"), max_length=100, blank=True)
    slug = models.SlugField(max_length=60, unique=True)
    description_en = models.TextField(
        _("description (English)"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000)],
    )
    description_zh = models.TextField(
        _("description (Chinese)"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000)],
    )
    company_name = models.CharField(_("company name"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=100)
    contact_phone = models.CharField(
        _("contact phone"), max_length=32, validators=[phone_number]
    )
    contact_email = models.EmailField(_("contact email"))
    business_licence_number = models.CharField(
        _("business-licence number"), max_length=30, validators=[licence_number]
    )
    licence_image = models.ImageField(
        _("business-licence image"),
        upload_to=licence_upload_to,
        storage=private_storage,
        blank=True,
    )
    pricing_model = models.CharField(
        _("pricing model"), max_length=20, choices=PricingModel.choices
    )
    commission_bps_override = models.PositiveIntegerField(
        _("commission override (bp)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(BPS)],
    )
    deposit_required = models.BigIntegerField(
        _("deposit required"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    deposit_overridden = models.BooleanField(
        _("deposit set by an operator"),
        default=False,
        help_text=_(
            "Set when an operator chose the deposit; approval then keeps it instead "
            "of the platform default."
        ),
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    shipping_fee = models.BigIntegerField(
        _("flat shipping fee"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    free_shipping_threshold = models.BigIntegerField(
        _("free shipping from"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    status_reason = models.TextField(
        _("reason for the status"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
    )
    holding_days_override = models.PositiveIntegerField(
        _("holding days override"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
        help_text=_("Empty: the platform's holding days apply."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deposit_required__gte=0)
                & models.Q(shipping_fee__gte=0)
                & (
                    models.Q(free_shipping_threshold__isnull=True)
                    | models.Q(free_shipping_threshold__gte=0)
                ),
                name="vendor_amounts_not_negative",
            )
        ]

    def __str__(self):
        return self.name_zh or self.name_en or self.company_name

    @property
    def is_active(self) -> bool:
        """Whether the vendor may sell: approved and neither suspended nor closed."""
        return self.status == self.Status.APPROVED

    def can_move_to(self, target: str) -> bool:
        return target in self.TRANSITIONS[self.Status(self.status)]


class VendorEvent(StatusEvent):
    """One status change: who, when, from, to and why. Append-only."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=Vendor.Status.choices)
    to_status = models.CharField(max_length=20, choices=Vendor.Status.choices)

    def __str__(self):
        return f"{self.vendor_id}: {self.from_status} → {self.to_status}"


class VendorMember(models.Model):
    """A user's membership of a vendor; a user belongs to at most one vendor."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="vendor_membership",
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.user_id}@{self.vendor_id} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class StaffInvitation(models.Model):
    """An owner's invitation for an email address to join as staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=10,
        choices=VendorMember.Role.choices,
        default=VendorMember.Role.STAFF,
    )
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "email"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_email",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.vendor_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Withdrawal(models.Model):
    """A vendor's request to be paid out part of its available balance.

    At request time a pending ledger entry (``ledger_entry``) takes ``amount`` from
    the vendor's available balance: ``amount - fee`` into payout-in-transit and
    ``fee`` to the platform's revenue. Paid posts it; failed or rejected voids it,
    which restores the balance. Status moves only through
    ``vendors.services.withdrawals`` along ``TRANSITIONS``.
    """

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
        ON_HOLD = "on_hold", _("On hold")
        PENDING = "pending", _("Being paid out")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.PENDING_APPROVAL: {Status.PENDING, Status.ON_HOLD, Status.REJECTED},
        Status.ON_HOLD: {Status.PENDING, Status.REJECTED},
        Status.PENDING: {Status.PAID, Status.FAILED},
        Status.PAID: set(),
        Status.FAILED: set(),
        Status.REJECTED: set(),
    }
    OPEN = frozenset({Status.PENDING_APPROVAL, Status.ON_HOLD, Status.PENDING})

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="withdrawals"
    )
    amount = models.BigIntegerField(_("amount"))
    fee = models.BigIntegerField(_("fee"), default=0)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices)
    business_date = models.DateField(_("business day requested"))
    ledger_entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    provider_payout_id = models.CharField(max_length=100, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        indexes = [
            models.Index(
                fields=["vendor", "business_date"], name="withdrawal_vendor_day_idx"
            ),
            models.Index(fields=["status", "id"], name="withdrawal_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0)
                & models.Q(fee__gte=0)
                & models.Q(fee__lt=models.F("amount")),
                name="withdrawal_amounts_valid",
            )
        ]

    def __str__(self):
        return f"withdrawal {self.pk} of {self.amount} {self.currency}"

    @property
    def payout_amount(self) -> int:
        return self.amount - self.fee


class WithdrawalEvent(StatusEvent):
    """One status change of a withdrawal: who, when, from, to and why."""

    withdrawal = models.ForeignKey(
        Withdrawal, on_delete=models.PROTECT, related_name="events"
    )

    def __str__(self):
        return f"{self.withdrawal_id}: {self.from_status or '-'} -> {self.to_status}"


class DepositPayment(models.Model):
    """A security deposit (保证金) the vendor pays through the provider.

    Paid to the platform under the vendor agreement and booked as the vendor's
    deposit (a liability, never order money). Uses and the release on closing are
    ledger entries with the operator's reason (``orders.services.deposits``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="deposit_payments"
    )
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    payment_reference = models.CharField(max_length=100, blank=True)
    payment_url = models.URLField(max_length=500, blank=True)
    released_amount = models.BigIntegerField(default=0)
    release_settlement_id = models.CharField(max_length=100, blank=True)
    # Frozen in the vendor's own account at the provider (can_hold_deposits): the
    # provider's hold, and what of it is still frozen (not used, not released).
    hold_reference = models.CharField(max_length=100, blank=True)
    held_amount = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0)
                & models.Q(released_amount__gte=0)
                & models.Q(released_amount__lte=models.F("amount")),
                name="deposit_payment_amounts_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(held_amount__gte=0)
                & models.Q(held_amount__lte=models.F("amount")),
                name="deposit_payment_held_valid",
            ),
        ]

    def __str__(self):
        return f"deposit {self.pk} of {self.amount} {self.currency}"

    @property
    def merchant_reference(self) -> str:
        return f"DEP{self.pk:012d}"
