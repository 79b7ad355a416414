"""Every write to the catalog. Import from here: ``catalog.services.submit_product``.

The modules: ``categories`` (the tree), ``products`` (content and revisions),
``variants`` (prices and stock), ``lifecycle`` (status changes) and
``product_images``.
"""

from marketplace.catalog.services._checks import UNSET
from marketplace.catalog.services.categories import create_category, update_category
from marketplace.catalog.services.lifecycle import (
    approve_product,
    archive_product,
    pause_product,
    reject_product,
    resume_product,
    submit_product,
    transition_product,
    withdraw_product,
)
from marketplace.catalog.services.product_images import (
    add_product_image,
    remove_product_image,
)
from marketplace.catalog.services.products import (
    approve_revision,
    create_product,
    reject_revision,
    update_product_content,
)
from marketplace.catalog.services.variants import (
    add_variant,
    set_retail_price,
    set_stock,
    update_variant,
)

__all__ = [
    "UNSET",
    "add_product_image",
    "add_variant",
    "approve_product",
    "approve_revision",
    "archive_product",
    "create_category",
    "create_product",
    "pause_product",
    "reject_product",
    "reject_revision",
    "remove_product_image",
    "resume_product",
    "set_retail_price",
    "set_stock",
    "submit_product",
    "transition_product",
    "update_category",
    "update_product_content",
    "update_variant",
    "withdraw_product",
]
