"""The catalog: a category tree, products with variants, stock and images.

Translatable text uses per-language fields (``_en``, ``_zh``) read through
``localized`` with a fallback to the other language.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.common.models import StatusEvent
from marketplace.common.money import BPS, MAX_AMOUNT
from vendors.models import Vendor

MAX_STOCK = 10_000_000


def localized(obj, field: str, language: str | None = None) -> str:
    """Return ``obj.<field>_zh`` or ``_en`` for the language, else the other one."""
    language = language or get_language() or settings.LANGUAGE_CODE
    first, second = ("zh", "en") if language.startswith("zh") else ("en", "zh")
    return getattr(obj, f"{field}_{first}") or getattr(obj, f"{field}_{second}")


class Category(models.Model):
    """A node of the category tree; ``path`` holds its ancestors' ids for subtrees."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    position = models.PositiveIntegerField(default=0)
    commission_bps = models.PositiveIntegerField(
        _("commission (bp)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(BPS)],
        help_text=_("Empty: inherit from the parent category, then the platform rule."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path", "position", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class Product(models.Model):
    """A listing by one vendor. Status moves only through ``catalog.services``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Pending review")
        LIVE = "live", _("Live")
        REJECTED = "rejected", _("Rejected")
        PAUSED = "paused", _("Paused")
        ARCHIVED = "archived", _("Archived")

    TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_REVIEW, Status.LIVE, Status.ARCHIVED},
        Status.PENDING_REVIEW: {Status.LIVE, Status.REJECTED, Status.DRAFT},
        Status.REJECTED: {Status.PENDING_REVIEW, Status.LIVE, Status.ARCHIVED},
        Status.LIVE: {Status.PAUSED, Status.ARCHIVED},
        Status.PAUSED: {Status.LIVE, Status.PENDING_REVIEW, Status.ARCHIVED},
        Status.ARCHIVED: set(),
    }

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    description_en = models.TextField(
        _("description (English)"), max_length=10000, blank=True
    )
    description_zh = models.TextField(
        _("description (Chinese)"), max_length=10000, blank=True
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    status_reason = models.TextField(blank=True)
    is_featured = models.BooleanField(default=False)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            GinIndex(fields=["search_vector"], name="product_search_idx"),
            models.Index(fields=["status", "-published_at"], name="product_live_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")


class ProductRevision(models.Model):
    """Edited content of a live listing, waiting for review while the live one sells."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    CONTENT_FIELDS = (
        "title_en",
        "title_zh",
        "description_en",
        "description_zh",
        "category_id",
    )

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="revisions"
    )
    content = models.JSONField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status="pending"),
                name="one_pending_revision_per_product",
            )
        ]

    def __str__(self):
        return f"revision {self.pk} of product {self.product_id}"


class ProductEvent(StatusEvent):
    """One listing status change: who, when, from, to and why. Append-only."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(max_length=20, choices=Product.Status.choices)
    to_status = models.CharField(max_length=20, choices=Product.Status.choices)

    def __str__(self):
        return f"{self.product_id}: {self.from_status} → {self.to_status}"


class Variant(models.Model):
    """A sellable SKU of a product, with its prices and stock.

    ``stock_on_hand`` is what the vendor has; ``stock_reserved`` is held by unpaid and
    unshipped orders. A feed that sets on-hand never touches reservations. Prices are
    tax-inclusive minor units of ``currency``. ``supply_price`` is what a vendor on the
    supply-price model is paid per unit; it is empty on the commission model.
    """

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="variants"
    )
    sku = models.CharField(max_length=64)
    attributes = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    retail_price = models.BigIntegerField(
        _("retail price"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_AMOUNT)],
    )
    supply_price = models.BigIntegerField(
        _("supply price"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_AMOUNT)],
    )
    retail_price_by_operator = models.BooleanField(
        _("retail price set by the platform"),
        default=False,
        editable=False,
        help_text=_(
            "Supply-price model: off while the retail price is the default margin "
            "over the supply price."
        ),
    )
    stock_on_hand = models.IntegerField(
        _("stock on hand"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_STOCK)],
    )
    stock_reserved = models.IntegerField(default=0, editable=False)
    weight_grams = models.PositiveIntegerField(
        _("weight (g)"), default=0, validators=[MaxValueValidator(1_000_000)]
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "sku"], name="variant_sku_per_product"
            ),
            models.CheckConstraint(
                condition=models.Q(stock_on_hand__gte=0)
                & models.Q(stock_reserved__gte=0)
                & models.Q(stock_reserved__lte=models.F("stock_on_hand")),
                name="variant_stock_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(retail_price__isnull=True) | models.Q(retail_price__gt=0)
                )
                & (models.Q(supply_price__isnull=True) | models.Q(supply_price__gt=0)),
                name="variant_prices_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(supply_price__isnull=True)
                | models.Q(retail_price__isnull=True)
                | models.Q(retail_price__gte=models.F("supply_price")),
                name="variant_retail_not_below_supply",
            ),
        ]

    def __str__(self):
        return self.sku

    @property
    def stock_available(self) -> int:
        return self.stock_on_hand - self.stock_reserved


def product_image_upload_to(image, filename):
    import secrets

    return f"products/{image.product_id}/{secrets.token_hex(8)}.webp"


class ProductImage(models.Model):
    """A public product image, re-encoded on upload; thumbnails are made once."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images"
    )
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="images"
    )
    image = models.ImageField(
        upload_to=product_image_upload_to, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    thumbnails = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Storage names of the WebP thumbnails, by width in pixels."),
    )
    alt_en = models.CharField(max_length=200, blank=True)
    alt_zh = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.image.name


def import_upload_to(job, filename):
    import secrets

    extension = "xlsx" if job.format == ProductImport.Format.XLSX else "csv"
    return f"imports/{job.vendor_id}/{secrets.token_hex(8)}.{extension}"


def import_storage():
    from django.core.files.storage import storages

    return storages["private"]


class ProductImport(models.Model):
    """A vendor's upload of products and stock (CSV or XLSX), run by a task.

    The file is private: the worker reads it from the private storage, which the web
    and the worker processes share. ``errors`` holds the first ``MAX_ERRORS`` bad
    cells as ``{"row", "column", "message"}`` (rows numbered as in the file, the
    header being row 1); ``error_rows`` counts every bad row.
    """

    MAX_ERRORS = 1000

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="product_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.FileField(upload_to=import_upload_to, storage=import_storage)
    original_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    products_created = models.PositiveIntegerField(default=0)
    variants_created = models.PositiveIntegerField(default=0)
    variants_updated = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"import {self.pk} of vendor {self.vendor_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def good_rows(self) -> int:
        return self.processed_rows - self.error_rows

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
