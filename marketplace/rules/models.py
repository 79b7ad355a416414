"""Platform rules: append-only versions, the newest in force."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.common.money import BPS, MAX_AMOUNT

MAX_DAYS = 365
AMOUNT = [MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)]


class PlatformRules(models.Model):
    """One version of the rules. A change inserts a new row; rows are never edited.

    Money is in minor units of ``currency``; rates in basis points.
    """

    listing_review_required = models.BooleanField(
        _("listings need review"), default=True
    )
    default_commission_bps = models.PositiveIntegerField(
        _("default commission (bp)"), default=500, validators=[MaxValueValidator(BPS)]
    )
    default_supply_margin_bps = models.PositiveIntegerField(
        _("default supply-price margin (bp)"),
        default=2500,
        validators=[MaxValueValidator(10 * BPS)],
    )
    default_deposit_amount = models.BigIntegerField(
        _("default deposit"), default=0, validators=AMOUNT
    )
    holding_days = models.PositiveIntegerField(
        _("holding days"), default=7, validators=[MaxValueValidator(MAX_DAYS)]
    )
    auto_complete_days = models.PositiveIntegerField(
        _("auto-complete days after shipment"),
        default=10,
        validators=[MaxValueValidator(MAX_DAYS)],
    )
    payment_timeout_minutes = models.PositiveIntegerField(
        _("minutes to pay before the order is cancelled"),
        default=30,
        validators=[MaxValueValidator(24 * 60)],
    )
    withdrawal_min_amount = models.BigIntegerField(
        _("minimum withdrawal"),
        default=100_00,
        validators=AMOUNT,
    )
    withdrawal_max_per_day = models.BigIntegerField(
        _("maximum withdrawn per day"),
        default=50_000_00,
        validators=AMOUNT,
    )
    withdrawal_fee = models.BigIntegerField(
        _("withdrawal fee"), default=0, validators=AMOUNT
    )
    withdrawal_approval_threshold = models.BigIntegerField(
        _("withdrawals above this need approval"),
        default=10_000_00,
        validators=AMOUNT,
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    EDITABLE = (
        "listing_review_required",
        "default_commission_bps",
        "default_supply_margin_bps",
        "default_deposit_amount",
        "holding_days",
        "auto_complete_days",
        "payment_timeout_minutes",
        "withdrawal_min_amount",
        "withdrawal_max_per_day",
        "withdrawal_fee",
        "withdrawal_approval_threshold",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("platform rules")
        verbose_name_plural = _("platform rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_deposit_amount__gte=0)
                & models.Q(withdrawal_min_amount__gte=0)
                & models.Q(withdrawal_max_per_day__gte=0)
                & models.Q(withdrawal_fee__gte=0)
                & models.Q(withdrawal_approval_threshold__gte=0),
                name="rules_amounts_not_negative",
            )
        ]

    def __str__(self):
        return f"rules v{self.pk}"

    def values(self) -> dict:
        return {name: getattr(self, name) for name in self.EDITABLE}
