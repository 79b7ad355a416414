"""factory_boy factories for every model the tests build."""

import factory
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.catalog.models import Category, Product, ProductImage, Variant
from vendors.models import Vendor, VendorMember

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Faker("name")
    preferred_language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OperatorFactory(UserFactory):
    operator_role = User.OperatorRole.ADMIN
    is_staff = True


class VendorFactory(factory.django.DjangoModelFactory):
    """An approved vendor on the commission model, with an owner."""

    class Meta:
        model = Vendor
        skip_postgeneration_save = True

    name_en = factory.Sequence(lambda n: f"Shop {n}")
    name_zh = factory.Sequence(lambda n: f"店铺{n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    company_name = factory.Sequence(lambda n: f"Company {n} Ltd")
    contact_name = "Li Lei"
    contact_phone = "13800000000"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.test")
    business_licence_number = factory.Sequence(lambda n: f"91310000MA1K{n:06d}")
    pricing_model = Vendor.PricingModel.COMMISSION
    status = Vendor.Status.APPROVED
    approved_at = factory.LazyFunction(timezone.now)
    recipient = "Li Lei"
    phone = "13800000000"
    province_code = "310000"
    city_code = "310100"
    district_code = "310104"
    detail = "1 Returns Road"
    shipping_fee = 1000
    free_shipping_threshold = 9900

    owner = factory.RelatedFactory(
        "tests.factories.VendorMemberFactory", factory_related_name="vendor"
    )


class VendorMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorMember

    vendor = factory.SubFactory(VendorFactory, owner=None)
    user = factory.SubFactory(UserFactory)
    role = VendorMember.Role.OWNER


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    name_en = factory.Sequence(lambda n: f"Category {n}")
    name_zh = factory.Sequence(lambda n: f"类目{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None
    path = ""

    @factory.post_generation
    def set_path(obj, create, extracted, **kwargs):
        prefix = obj.parent.path if obj.parent else "/"
        obj.path = f"{prefix}{obj.pk}/"
        if create:
            obj.save(update_fields=["path"])


class ProductFactory(factory.django.DjangoModelFactory):
    """A live product; add variants with ``VariantFactory(product=...)``."""

    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    category = factory.SubFactory(CategoryFactory)
    title_en = factory.Sequence(lambda n: f"Product {n}")
    title_zh = factory.Sequence(lambda n: f"商品{n}")
    description_en = "A fine product."
    description_zh = "好商品。"
    status = Product.Status.LIVE
    published_at = factory.LazyFunction(timezone.now)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    attributes = factory.LazyFunction(lambda: {"colour": "red"})
    retail_price = 12900
    supply_price = None
    stock_on_hand = 10


class ProductImageFactory(factory.django.DjangoModelFactory):
    """A small generated picture of a product (no thumbnails)."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(width=64, height=64, format="WEBP")
    alt_en = "A picture"
    alt_zh = "图片"


def _in_a_week():
    from datetime import timedelta

    return timezone.now() + timedelta(days=7)


class StaffInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation to join ``vendor`` as staff, valid for a week."""

    class Meta:
        model = "vendors.StaffInvitation"

    vendor = factory.SubFactory(VendorFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = "staff"
    expires_at = factory.LazyFunction(_in_a_week)


class SupplyVendorFactory(VendorFactory):
    """An approved vendor on the supply-price model, with an owner."""

    pricing_model = Vendor.PricingModel.SUPPLY_PRICE


# --- orders ---------------------------------------------------------------------
class AddressFactory(factory.django.DjangoModelFactory):
    """An address in a shopper's book."""

    class Meta:
        model = "orders.Address"

    user = factory.SubFactory(UserFactory)
    recipient = "Han Meimei"
    phone = "13900000000"
    province_code = "110000"
    city_code = "110100"
    district_code = "110105"
    detail = "8 Checkout Lane"
    is_default = True
