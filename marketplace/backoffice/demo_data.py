"""The demo marketplace's content: people, vendors and categories.

Plain data, read by ``marketplace.backoffice.demo``; the products are in
``demo_products``. Money is CNY fen; rates are basis points.
"""

DOMAIN = "demo.marketplace"
PASSWORD = "marketplace-demo"  # noqa: S105 - the one documented demo password

OPERATORS = [
    # email local part, operator role, display name
    ("admin", "admin", "平台管理员 Platform Admin"),
    ("reviewer", "reviewer", "审核专员 Reviewer"),
    ("finance", "finance", "财务专员 Finance"),
]
SHOPPERS = [("shopper", "李小满 Li Xiaoman")]

RULES = {
    "listing_review_required": True,
    "default_commission_bps": 500,
    "default_supply_margin_bps": 2500,
    "default_deposit_amount": 1000_00,
}

_ADDRESS = {
    "hangzhou": ("330000", "330100", "330106", "西湖区龙井路 18 号"),
    "shenzhen": ("440000", "440300", "440305", "南山区科技园科苑路 66 号"),
    "shanghai": ("310000", "310100", "310104", "徐汇区漕溪北路 200 号"),
    "suzhou": ("320000", "320500", "320508", "姑苏区平江路 88 号"),
}


def _vendor(key, *, en, zh, company, contact, phone, licence, model, city, **extra):
    province, city_code, district, detail = _ADDRESS[city]
    return {
        "key": key,
        "owner": f"{key}@{DOMAIN}",
        "owner_name": contact,
        "data": {
            "name_en": en,
            "name_zh": zh,
            "slug": key,
            "description_en": extra.pop("about_en"),
            "description_zh": extra.pop("about_zh"),
            "company_name": company,
            "contact_name": contact,
            "contact_phone": phone,
            "contact_email": f"{key}@{DOMAIN}",
            "business_licence_number": licence,
            "pricing_model": model,
            "recipient": contact,
            "phone": phone,
            "country_code": "CN",
            "province_code": province,
            "city_code": city_code,
            "district_code": district,
            "detail": detail,
        },
        **extra,
    }


VENDORS = [
    _vendor(
        "tea",
        en="Longjing Hill Tea House",
        zh="龙井山茶舍",
        company="杭州龙井山茶业有限公司",
        contact="王春茶",
        phone="13905710001",
        licence="91330106MA2H3K4L5X",
        model="supply_price",
        city="hangzhou",
        about_en="Family tea gardens on the hills of West Lake since 1986.",
        about_zh="自 1986 年起在西湖群山经营家庭茶园。",
        status="approved",
        terms={"deposit_required": 2000_00, "shipping_fee": 800},
    ),
    _vendor(
        "digital",
        en="Nanshan Digital Select",
        zh="南山数码优选",
        company="深圳南山数码科技有限公司",
        contact="陈子豪",
        phone="13807550002",
        licence="91440300MA5F6G7H8J",
        model="supply_price",
        city="shenzhen",
        about_en="Phones, audio and accessories, shipped from Shenzhen.",
        about_zh="手机、耳机与配件，深圳直发。",
        status="approved",
        terms={"deposit_required": 5000_00, "shipping_fee": 0},
    ),
    _vendor(
        "home",
        en="Nestwood Home & Living",
        zh="栖木家居",
        company="上海栖木家居用品有限公司",
        contact="林雅",
        phone="13602100003",
        licence="91310104MA1K2L3M4N",
        model="commission",
        city="shanghai",
        about_en="Cotton, linen, wood and clay for everyday living.",
        about_zh="棉、麻、木与陶，日常生活的好物。",
        status="approved",
        terms={"commission_bps_override": 600, "shipping_fee": 1000},
    ),
    _vendor(
        "silk",
        en="Pingjiang Silk Studio",
        zh="平江丝绸工坊",
        company="苏州平江丝绸工艺品有限公司",
        contact="周绣",
        phone="13512500004",
        licence="91320508MA7P8Q9R0S",
        model="commission",
        city="suzhou",
        about_en="Hand-finished Suzhou silk scarves and robes.",
        about_zh="手工收边的苏州丝巾与睡袍。",
        status="submitted",
    ),
]

# slug, name_en, name_zh, commission_bps (None: inherit), children
CATEGORIES = [
    (
        "digital",
        "Digital",
        "数码",
        300,
        [
            ("phones", "Phones", "手机", 200),
            ("headphones", "Headphones", "耳机", None),
            ("accessories", "Accessories", "配件", 500),
        ],
    ),
    (
        "tea",
        "Tea",
        "茶",
        800,
        [
            ("green-tea", "Green tea", "绿茶", None),
            ("oolong", "Oolong", "乌龙茶", None),
            ("black-tea", "Black tea", "红茶", None),
            ("teaware", "Teaware", "茶具", 600),
        ],
    ),
    (
        "home",
        "Home",
        "家居",
        None,
        [
            ("kitchen", "Kitchen", "厨房", None),
            ("bedding", "Bedding", "床品", 700),
            ("storage", "Storage", "收纳", None),
        ],
    ),
    (
        "apparel",
        "Apparel",
        "服饰",
        1000,
        [("tops", "Tops", "上衣", None), ("scarves", "Scarves", "围巾", None)],
    ),
]

CATEGORY_COLOURS = {
    "digital": ((35, 64, 120), (245, 248, 255)),
    "tea": ((46, 110, 72), (246, 250, 240)),
    "home": ((150, 96, 60), (252, 247, 240)),
    "apparel": ((140, 48, 78), (253, 244, 247)),
}
