"""Product images: re-encoded and thumbnailed once, when they are saved."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from marketplace.catalog import images
from marketplace.catalog.models import Product, ProductImage, Variant
from marketplace.catalog.services._checks import check_int, check_text, raise_if
from marketplace.common import cache
from marketplace.common.errors import Conflict

MAX_IMAGES = 30
ALT_MAX = 200


def _thumbnail_name(name: str, width: int) -> str:
    stem = name.rsplit(".", 1)[0]
    return f"{stem}-{width}w.webp"


@transaction.atomic
def add_product_image(
    *,
    product: Product,
    actor,
    file,
    variant: Variant | None = None,
    position: int | None = None,
    alt_en: str = "",
    alt_zh: str = "",
) -> ProductImage:
    """Store an uploaded image of ``product`` as WebP, with its thumbnails.

    The content is checked by Pillow, not by name or type; errors name ``image``.
    ``position`` defaults to after the last image. Images are public content, so
    they apply at once, like stock and price.
    """
    cache.bump(cache.CATALOG)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == Product.Status.ARCHIVED:
        raise Conflict(_("This product is archived."), code="product_archived")
    errors: dict[str, list[str]] = {}
    if variant is not None and variant.product_id != product.pk:
        errors["variant"] = [_("This variant belongs to another product.")]
    if position is not None:
        check_int(errors, "position", position, low=0, high=1000)
    check_text(errors, "alt_en", alt_en, limit=ALT_MAX)
    check_text(errors, "alt_zh", alt_zh, limit=ALT_MAX)
    if product.images.count() >= MAX_IMAGES:
        errors["image"] = [
            _("A product has at most %(limit)s images.") % {"limit": MAX_IMAGES}
        ]
    raise_if(errors)
    encoded = images.encode_upload(file, field="image")
    if position is None:
        last = product.images.aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1
    image = ProductImage(
        product=product,
        variant=variant,
        position=position,
        alt_en=alt_en,
        alt_zh=alt_zh,
    )
    image.image.save("image.webp", images.as_file(encoded.content), save=False)
    storage = image.image.storage
    image.thumbnails = {
        str(width): storage.save(
            _thumbnail_name(image.image.name, width), images.as_file(content)
        )
        for width, content in images.make_thumbnails(encoded.content).items()
    }
    image.save()
    return image


@transaction.atomic
def remove_product_image(*, image: ProductImage, actor) -> None:
    """Delete an image row; its files go once the transaction commits."""
    cache.bump(cache.CATALOG)
    image = ProductImage.objects.select_for_update().get(pk=image.pk)
    storage = image.image.storage
    names = [image.image.name, *image.thumbnails.values()]
    image.delete()

    def delete_files():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
