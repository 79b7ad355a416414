"""Accounts, journal entries and postings: an append-only double-entry book.

Sign convention: a posting's ``amount`` is signed minor units, **positive = debit,
negative = credit**, so the postings of an entry sum to 0 per currency. Each account
has a normal side (debit for what the platform holds or is owed, credit for what it
owes or has earned), and its balance is read in those terms.

Balances follow TigerBeetle: four non-negative running totals per account, kept only by
``marketplace.ledger.services`` in the same transaction as the postings::

    debits_pending   credits_pending   debits_posted   credits_posted

For a credit-normal account (``available`` for a debit-normal one mirrors it)::

    posted    = credits_posted - debits_posted
    available = credits_posted - debits_posted - debits_pending

A pending debit already reduces what is available; a pending credit adds nothing until
it is posted. A guarded account's ``available`` never goes below 0 (CHECK constraints).

Voiding writes no posting: the voided entry's postings stay (append-only) and count in
no balance column. Posting moves the entry's amounts from the pending to the posted
columns. So, per account, ``*_pending`` = the entry's postings of pending entries and
``*_posted`` = those of posted entries; ``checks.check_ledger`` verifies exactly that.

PostgreSQL enforces the rest itself (migration ``0002_database_rules``): entries
balance per currency at commit, postings are never updated or deleted, a posting's
currency is its account's, and an entry only moves pending -> posted or voided.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEBIT = "debit"
CREDIT = "credit"


class Account(models.Model):
    """A balance one owner keeps in one currency, of one kind.

    Owners from other apps are named by ``owner_type`` + ``owner_id`` strings (no
    foreign keys): ``("vendor", "12")``, ``("order", "345")``, and ``("platform",
    "platform")`` for the platform's own accounts.

    ============================  ========  ======  ====================================
    kind                          owner     normal  meaning
    ============================  ========  ======  ====================================
    provider_cash                 platform  debit   the platform's funds at the payment
                                                    provider; mirrors its balance.
    order_escrow            [G]   order     credit  captured for an order, not yet
                                                    anyone's: refunds and completion
                                                    take it out.
    vendor_frozen           [G]   vendor    debit   order money frozen in the vendor's
                                                    own sub-merchant account at the
                                                    provider (WeChat Pay shape): the
                                                    escrow's money in that shape.
    vendor_unfrozen         [G]   vendor    debit   the vendor's settled share unfrozen
                                                    in its own account at the provider,
                                                    not yet paid out (WeChat Pay shape):
                                                    what backs its available balance.
    vendor_payable          [G]   vendor    credit  the vendor's earned share, still in
                                                    its holding period.
    vendor_available        [G]   vendor    credit  the vendor's share it may withdraw.
    vendor_payout_in_transit [G]  vendor    credit  withdrawn, sent to the provider's
                                                    payout, not yet confirmed paid.
    vendor_receivable       [G]   vendor    debit   what the vendor owes the platform
                                                    (refund after payout, penalty);
                                                    netted against later earnings.
    vendor_deposit          [G]   vendor    credit  security deposit paid to the
                                                    platform, owed back to the vendor.
    vendor_deposit_frozen   [G]   vendor    debit   security deposit frozen in the
                                                    vendor's own account at the
                                                    provider.
    platform_revenue              platform  credit  commission and supply-price margin.
    platform_fee_expense          platform  debit   the provider's processing fees.
    refunds_clearing              platform  credit  refunds asked of the provider, not
                                                    yet confirmed done.
    external                      any       debit   the world outside the books (a
                                                    shopper's card, a bank): where money
                                                    comes from and goes to.
    ============================  ========  ======  ====================================

    [G] = guarded: ``available`` must not go below 0 in the direction of the normal
    side. A shortfall goes to an explicit receivable, never to an overdraft.
    """

    class Kind(models.TextChoices):
        PROVIDER_CASH = "provider_cash", _("cash at the payment provider")
        ORDER_ESCROW = "order_escrow", _("order escrow")
        VENDOR_FROZEN = "vendor_frozen", _("vendor funds frozen at the provider")
        VENDOR_UNFROZEN = "vendor_unfrozen", _("vendor funds unfrozen at the provider")
        VENDOR_PAYABLE = "vendor_payable", _("vendor payable (holding period)")
        VENDOR_AVAILABLE = "vendor_available", _("vendor available balance")
        VENDOR_PAYOUT_IN_TRANSIT = (
            "vendor_payout_in_transit",
            _("vendor payout in transit"),
        )
        VENDOR_RECEIVABLE = "vendor_receivable", _("vendor receivable")
        VENDOR_DEPOSIT = "vendor_deposit", _("vendor deposit held")
        VENDOR_DEPOSIT_FROZEN = (
            "vendor_deposit_frozen",
            _("vendor deposit frozen at the provider"),
        )
        PLATFORM_REVENUE = "platform_revenue", _("platform revenue")
        PLATFORM_FEE_EXPENSE = "platform_fee_expense", _("platform fee expense")
        REFUNDS_CLEARING = "refunds_clearing", _("refunds clearing")
        EXTERNAL = "external", _("external")

    class Side(models.TextChoices):
        DEBIT = DEBIT, _("debit")
        CREDIT = CREDIT, _("credit")

    owner_type = models.CharField(_("owner type"), max_length=32)
    owner_id = models.CharField(_("owner id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    currency = models.CharField(_("currency"), max_length=3)
    normal_side = models.CharField(_("normal side"), max_length=6, choices=Side.choices)
    guard = models.BooleanField(_("must not go negative"), default=False)
    debits_pending = models.BigIntegerField(_("pending debits"), default=0)
    credits_pending = models.BigIntegerField(_("pending credits"), default=0)
    debits_posted = models.BigIntegerField(_("posted debits"), default=0)
    credits_posted = models.BigIntegerField(_("posted credits"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "kind", "currency"],
                name="ledger_account_one_per_owner_kind_currency",
            ),
            # Target of the (account_id, currency) foreign key from postings.
            models.UniqueConstraint(
                fields=["id", "currency"], name="ledger_account_id_currency"
            ),
            models.CheckConstraint(
                condition=Q(debits_pending__gte=0)
                & Q(credits_pending__gte=0)
                & Q(debits_posted__gte=0)
                & Q(credits_posted__gte=0),
                name="ledger_account_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(guard=False)
                | ~Q(normal_side=CREDIT)
                | Q(credits_posted__gte=F("debits_posted") + F("debits_pending")),
                name="ledger_account_guard_credit_normal",
            ),
            models.CheckConstraint(
                condition=Q(guard=False)
                | ~Q(normal_side=DEBIT)
                | Q(debits_posted__gte=F("credits_posted") + F("credits_pending")),
                name="ledger_account_guard_debit_normal",
            ),
        ]

    GUARD_CONSTRAINTS = frozenset(
        {"ledger_account_guard_credit_normal", "ledger_account_guard_debit_normal"}
    )

    def __str__(self):
        return f"{self.owner_type}:{self.owner_id} {self.kind} {self.currency}"

    def in_normal_terms(self, debits: int, credits: int) -> int:
        """Return ``debits - credits`` seen from this account's normal side."""
        return debits - credits if self.normal_side == DEBIT else credits - debits


# kind -> (normal side, guarded)
KIND_RULES: dict[str, tuple[str, bool]] = {
    Account.Kind.PROVIDER_CASH: (DEBIT, False),
    Account.Kind.ORDER_ESCROW: (CREDIT, True),
    Account.Kind.VENDOR_FROZEN: (DEBIT, True),
    Account.Kind.VENDOR_UNFROZEN: (DEBIT, True),
    Account.Kind.VENDOR_PAYABLE: (CREDIT, True),
    Account.Kind.VENDOR_AVAILABLE: (CREDIT, True),
    Account.Kind.VENDOR_PAYOUT_IN_TRANSIT: (CREDIT, True),
    Account.Kind.VENDOR_RECEIVABLE: (DEBIT, True),
    Account.Kind.VENDOR_DEPOSIT: (CREDIT, True),
    Account.Kind.VENDOR_DEPOSIT_FROZEN: (DEBIT, True),
    Account.Kind.PLATFORM_REVENUE: (CREDIT, False),
    Account.Kind.PLATFORM_FEE_EXPENSE: (DEBIT, False),
    Account.Kind.REFUNDS_CLEARING: (CREDIT, False),
    Account.Kind.EXTERNAL: (DEBIT, False),
}


class JournalEntry(models.Model):
    """One business operation, booked as balanced postings under a unique key.

    ``idempotency_key`` names the operation (``"capture:pay_123"``, a provider event
    id); booking it again returns this entry. ``kind`` is a slug the caller chooses
    (``"payment_captured"``); ``description`` and ``metadata`` hold no personal data.
    ``reference_type``/``reference_id`` point at what the entry is about
    (``"order"``/``"123"``) for per-order checks and statements.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        POSTED = "posted", _("posted")
        VOIDED = "voided", _("voided")

    TRANSITIONS = {
        Status.PENDING: {Status.POSTED, Status.VOIDED},
        Status.POSTED: set(),
        Status.VOIDED: set(),
    }

    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, unique=True
    )
    kind = models.CharField(_("kind"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.POSTED
    )
    two_phase = models.BooleanField(_("recorded as pending first"), default=False)
    reference_type = models.CharField(_("reference type"), max_length=32, blank=True)
    reference_id = models.CharField(_("reference id"), max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(
                fields=["reference_type", "reference_id"], name="ledger_entry_ref_idx"
            ),
            models.Index(fields=["created_at"], name="ledger_entry_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="pending", posted_at=None, voided_at=None)
                    | Q(status="posted", posted_at__isnull=False, voided_at=None)
                    | Q(status="voided", posted_at=None, voided_at__isnull=False)
                ),
                name="ledger_entry_status_times",
            ),
            models.CheckConstraint(
                condition=Q(two_phase=True) | Q(status="posted"),
                name="ledger_entry_one_phase_is_posted",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} ({self.status})"

    @property
    def reference(self) -> tuple[str, str] | None:
        return (self.reference_type, self.reference_id) if self.reference_type else None


class Posting(models.Model):
    """One line of an entry: ``amount`` in minor units, debit > 0, credit < 0.

    Never updated or deleted (a database trigger refuses it); a correction is a new
    reversing entry. ``currency`` always equals the account's (a composite foreign key).
    """

    entry = models.ForeignKey(
        JournalEntry,
        verbose_name=_("entry"),
        on_delete=models.PROTECT,
        related_name="postings",
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="postings",
    )
    amount = models.BigIntegerField(_("amount (debit > 0, credit < 0)"))
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="ledger_posting_amount_not_zero"
            ),
        ]

    def __str__(self):
        side = DEBIT if self.amount > 0 else CREDIT
        return f"{side} {abs(self.amount)} {self.currency} to #{self.account_id}"

    @property
    def debit(self) -> int:
        return self.amount if self.amount > 0 else 0

    @property
    def credit(self) -> int:
        return -self.amount if self.amount < 0 else 0
