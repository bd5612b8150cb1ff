"""`flask seed-demo`: the Tây Hồ OCOP showroom with Hanoi-style products. Safe to run twice."""

import secrets
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from werkzeug.security import check_password_hash

from pos.auth.service import create_user
from pos.catalog.gs1 import check_digit
from pos.catalog.ratings import add_months
from pos.catalog.service import add_rating, save_producer, save_product
from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.extensions import db
from pos.models import Producer, Product, Showroom, User

DEMO_PASSWORD = "ocop-demo-2026"  # demo data only; printed by the command

SHOWROOM = dict(
    code="TH",
    name="Điểm giới thiệu và bán sản phẩm OCOP Tây Hồ",
    address="Phố đi bộ Trịnh Công Sơn",
    ward="Phường Nhật Tân",
    district="Quận Tây Hồ",
    province="Hà Nội",
    tax_code="0109876543",
    phone="024 3718 0000",
    invoice_symbol="1C26MTH",
    bank_bin="970436",
    bank_account="0011004399999",
    bank_account_name="DIEM OCOP TAY HO",
)

PRODUCERS = [
    dict(
        name="Hợp tác xã Chè Sen Quảng An",
        type="cooperative",
        tax_code="0108123456",
        address="Ngõ 1 Quảng An",
        ward="Phường Quảng An",
        district="Quận Tây Hồ",
        province="Hà Nội",
        phone="0912 345 678",
        collective_trademark="Chè Sen Quảng An",
    ),
    dict(
        name="Hộ kinh doanh Xôi Phú Thượng Bà Hạnh",
        type="household",
        tax_code="",
        address="Thôn Đông, Phú Thượng",
        ward="Phường Phú Thượng",
        district="Quận Tây Hồ",
        province="Hà Nội",
        phone="0983 111 222",
        collective_trademark="Xôi Phú Thượng",
    ),
    dict(
        name="Hợp tác xã Hoa Đào Nhật Tân",
        type="cooperative",
        tax_code="0108234567",
        address="Đường Nhật Tân",
        ward="Phường Nhật Tân",
        district="Quận Tây Hồ",
        province="Hà Nội",
        phone="0904 555 666",
        collective_trademark="Hoa đào Nhật Tân",
    ),
    dict(
        name="Tổ hợp tác Quất cảnh Tứ Liên",
        type="cooperative_group",
        tax_code="0108345678",
        address="Cụm 3 Tứ Liên",
        ward="Phường Tứ Liên",
        district="Quận Tây Hồ",
        province="Hà Nội",
        phone="0936 777 888",
    ),
    dict(
        name="Công ty TNHH Sen Tây Hồ",
        type="enterprise",
        tax_code="0106543210",
        address="52 Đặng Thai Mai",
        ward="Phường Quảng An",
        district="Quận Tây Hồ",
        province="Hà Nội",
        phone="024 3719 1234",
    ),
    dict(
        name="Công ty Cổ phần Gốm sứ Bát Tràng",
        type="enterprise",
        tax_code="0101234567",
        address="Thôn 3 Bát Tràng",
        ward="Xã Bát Tràng",
        district="Huyện Gia Lâm",
        province="Hà Nội",
        phone="024 3874 0000",
        collective_trademark="Gốm sứ Bát Tràng",
    ),
    dict(
        name="Công ty TNHH Mây tre đan Phú Vinh",
        type="enterprise",
        tax_code="0500123456",
        address="Thôn Phú Vinh",
        ward="Xã Phú Nghĩa",
        district="Huyện Chương Mỹ",
        province="Hà Nội",
        phone="024 3386 0000",
        collective_trademark="Mây tre đan Phú Vinh",
    ),
    dict(
        name="Hợp tác xã Cốm Làng Vòng",
        type="cooperative",
        tax_code="0108456789",
        address="Phố Dịch Vọng Hậu",
        ward="Phường Dịch Vọng Hậu",
        district="Quận Cầu Giấy",
        province="Hà Nội",
        phone="0977 222 333",
        collective_trademark="Cốm Làng Vòng",
    ),
    dict(
        name="Hộ kinh doanh Lụa Vạn Phúc Hồng Nhung",
        type="household",
        tax_code="8012345678",
        address="Làng lụa Vạn Phúc",
        ward="Phường Vạn Phúc",
        district="Quận Hà Đông",
        province="Hà Nội",
        phone="0966 444 555",
        collective_trademark="Lụa Vạn Phúc",
    ),
    dict(
        name="Hợp tác xã Dược liệu Ba Vì",
        type="cooperative",
        tax_code="0500234567",
        address="Thôn Yên Sơn",
        ward="Xã Ba Vì",
        district="Huyện Ba Vì",
        province="Hà Nội",
        phone="0988 666 777",
    ),
    dict(
        name="Công ty Cổ phần Rượu Mơ Hương Sơn",
        type="enterprise",
        tax_code="0500345678",
        address="Thôn Yến Vĩ",
        ward="Xã Hương Sơn",
        district="Huyện Mỹ Đức",
        province="Hà Nội",
        phone="024 3384 0000",
    ),
    dict(
        name="Hợp tác xã Du lịch cộng đồng Đường Lâm",
        type="cooperative",
        tax_code="0500456789",
        address="Làng cổ Đường Lâm",
        ward="Xã Đường Lâm",
        district="Thị xã Sơn Tây",
        province="Hà Nội",
        phone="0243 383 0000",
    ),
]

# sku, GTIN-13 without its check digit ('' = in-store code), name vi, name en, group, unit, price, vat,
# producer index, stars, potential 5★, level, rating age in months (36+ = expired), revoked reason
PRODUCTS = [
    (
        "CSQA-100",
        "893601234001",
        "Chè Sen Quảng An hộp 100g",
        "Quang An lotus tea, 100 g box",
        "drinks",
        "hộp",
        350_000,
        8,
        0,
        4,
        False,
        "province",
        14,
        "",
    ),
    (
        "CSQA-TUI",
        "893601234002",
        "Trà sen Quảng An túi lọc",
        "Quang An lotus tea bags",
        "drinks",
        "hộp",
        120_000,
        8,
        0,
        4,
        False,
        "province",
        14,
        "",
    ),
    (
        "CBUP-SEN",
        "",
        "Chè búp ướp sen Tây Hồ",
        "Tay Ho lotus-scented bud tea",
        "drinks",
        "gói",
        250_000,
        8,
        0,
        3,
        False,
        "district",
        35,
        "",
    ),
    (
        "XPT-VO",
        "",
        "Xôi vò Phú Thượng",
        "Phu Thuong sticky rice with mung beans",
        "food",
        "hộp",
        45_000,
        8,
        1,
        4,
        False,
        "province",
        20,
        "",
    ),
    (
        "XPT-XEO",
        "",
        "Xôi xéo Phú Thượng",
        "Phu Thuong xoi xeo sticky rice",
        "food",
        "hộp",
        40_000,
        8,
        1,
        3,
        False,
        "district",
        40,
        "",
    ),
    (
        "BCPT-01",
        "",
        "Bánh chưng Phú Thượng",
        "Phu Thuong square rice cake",
        "food",
        "cái",
        70_000,
        8,
        1,
        3,
        False,
        "district",
        18,
        "Lô hàng không đạt chỉ tiêu vi sinh",
    ),
    (
        "HDNT-CANH",
        "",
        "Hoa đào Nhật Tân cành",
        "Nhat Tan peach blossom branch",
        "ornamental",
        "cành",
        450_000,
        5,
        2,
        4,
        False,
        "province",
        10,
        "",
    ),
    (
        "HDNT-THE",
        "",
        "Đào thế Nhật Tân chậu",
        "Nhat Tan bonsai peach tree in pot",
        "ornamental",
        "chậu",
        2_500_000,
        5,
        2,
        4,
        True,
        "province",
        10,
        "",
    ),
    (
        "QTL-CHAU",
        "",
        "Quất cảnh Tứ Liên",
        "Tu Lien ornamental kumquat tree",
        "ornamental",
        "chậu",
        1_200_000,
        5,
        3,
        4,
        False,
        "province",
        22,
        "",
    ),
    (
        "STH-HAT",
        "893604567001",
        "Hạt sen sấy Tây Hồ",
        "Tay Ho dried lotus seeds",
        "food",
        "gói",
        95_000,
        8,
        4,
        4,
        False,
        "province",
        26,
        "",
    ),
    (
        "STH-TRA",
        "893604567002",
        "Trà tâm sen Tây Hồ",
        "Tay Ho lotus embryo tea",
        "herbs",
        "hộp",
        85_000,
        8,
        4,
        3,
        False,
        "district",
        12,
        "",
    ),
    (
        "STH-MUT",
        "893604567003",
        "Mứt sen trần Tây Hồ",
        "Tay Ho candied lotus seeds",
        "food",
        "hộp",
        110_000,
        8,
        4,
        4,
        False,
        "province",
        34,
        "",
    ),
    (
        "GBT-BINH",
        "893500123001",
        "Bình hút lộc men rạn Bát Tràng",
        "Bat Trang crackle-glaze fortune vase",
        "textiles_handicrafts",
        "chiếc",
        1_850_000,
        10,
        5,
        5,
        False,
        "national",
        8,
        "",
    ),
    (
        "GBT-AM",
        "893500123002",
        "Bộ ấm chén men lam Bát Tràng",
        "Bat Trang blue-glaze tea set",
        "textiles_handicrafts",
        "bộ",
        980_000,
        10,
        5,
        4,
        True,
        "province",
        16,
        "",
    ),
    (
        "MTPV-KHAY",
        "893500234001",
        "Khay mây tre đan Phú Vinh",
        "Phu Vinh woven rattan tray",
        "textiles_handicrafts",
        "chiếc",
        320_000,
        10,
        6,
        5,
        False,
        "national",
        20,
        "",
    ),
    (
        "CLV-200",
        "",
        "Cốm Làng Vòng gói 200g",
        "Lang Vong green rice flakes, 200 g",
        "food",
        "gói",
        60_000,
        8,
        7,
        4,
        True,
        "province",
        6,
        "",
    ),
    (
        "CLV-BANH",
        "",
        "Bánh cốm Làng Vòng",
        "Lang Vong green rice cake",
        "food",
        "hộp",
        80_000,
        8,
        7,
        4,
        False,
        "province",
        6,
        "",
    ),
    (
        "LVP-KHAN",
        "",
        "Khăn lụa Vạn Phúc",
        "Van Phuc silk scarf",
        "textiles_handicrafts",
        "chiếc",
        450_000,
        10,
        8,
        4,
        False,
        "province",
        24,
        "",
    ),
    (
        "DLBV-DTC",
        "893607890001",
        "Trà dây thìa canh Ba Vì",
        "Ba Vi gymnema tea",
        "herbs",
        "hộp",
        75_000,
        8,
        9,
        4,
        False,
        "province",
        30,
        "",
    ),
    (
        "DLBV-CAO",
        "893607890002",
        "Cao xương khớp Ba Vì",
        "Ba Vi herbal joint balm",
        "herbs",
        "lọ",
        150_000,
        8,
        9,
        3,
        False,
        "district",
        28,
        "",
    ),
    (
        "RMHS-500",
        "893608901001",
        "Rượu mơ Hương Sơn 500ml",
        "Huong Son apricot liqueur, 500 ml",
        "drinks",
        "chai",
        180_000,
        10,
        10,
        4,
        False,
        "province",
        9,
        "",
    ),
    (
        "DLDL-TOUR",
        "",
        "Tour trải nghiệm làng cổ Đường Lâm",
        "Duong Lam ancient village experience tour",
        "tourism",
        "vé",
        350_000,
        8,
        11,
        4,
        False,
        "province",
        12,
        "",
    ),
]
EXPIRING_SKU = "CBUP-SEN"  # rated 35 months ago: expires within 60 days


def _decision_date(months_ago: int, today: date) -> date:
    day = add_months(today, -months_ago)
    return day + timedelta(days=20) if months_ago == 35 else day


def seed_catalog(today: date | None = None) -> int:
    today = today or local_today()
    with atomic():
        if not db.session.scalar(select(Showroom).where(Showroom.code == SHOWROOM["code"])):
            db.session.add(Showroom(**SHOWROOM))
    producers = []
    for data in PRODUCERS:
        existing = db.session.scalar(select(Producer).where(Producer.name == data["name"]))
        producers.append(existing or save_producer(data))
    created = 0
    for (
        sku,
        gtin,
        name_vi,
        name_en,
        group,
        unit,
        price,
        vat,
        producer_index,
        stars,
        potential,
        level,
        age,
        revoked_reason,
    ) in PRODUCTS:
        if db.session.scalar(select(Product.id).where(Product.sku == sku)):
            continue
        product = save_product(
            dict(
                sku=sku,
                gtin=gtin + str(check_digit(gtin)) if gtin else "",
                name_vi=name_vi,
                name_en=name_en,
                ocop_group=group,
                unit=unit,
                price=price,
                vat_rate=vat,
                producer_id=producers[producer_index].id,
                reorder_point=5,
                description_vi=f"{name_vi} — sản phẩm OCOP của {producers[producer_index].name}.",
                description_en=f"{name_en}: an OCOP product of {producers[producer_index].province}.",
                applied_standard=f"TCCS 01:{today.year - 3}/{sku.split('-')[0]}",
            )
        )
        decision = _decision_date(age, today)
        add_rating(
            product,
            dict(
                stars=stars,
                potential_5_star=potential,
                level=level,
                score={3: 62, 4: 78, 5: 92}[stars],
                decision_no=f"{1000 + created}/QĐ-UBND",
                decision_date=decision,
                certificate_no=f"OCOP-HN-{decision.year}-{1000 + created}",
                revoked_on=(today - timedelta(days=30)) if revoked_reason else None,
                revoked_reason=revoked_reason,
            ),
        )
        created += 1
    return created


DEMO_USERS = (
    ("cashier", "cashier", "Nguyễn Thu Trang"),
    ("manager", "manager", "Trần Minh Đức"),
    ("admin", "admin", "Lê Hoàng Anh"),
)


def not_demo_data() -> list[str]:
    """What in the database is not this command's own demo data: staff other than the demo users (or a demo
    username whose password is no longer the published one), producers and products it did not make.
    Empty for a new database and for one seeded before, so running the command twice is safe."""
    demo_names = {username for username, _, _ in DEMO_USERS}
    found = []
    for user in db.session.scalars(select(User).order_by(User.username)):
        if user.username not in demo_names or not check_password_hash(user.password_hash, DEMO_PASSWORD):
            found.append(f"user {user.username}")
    demo_producers = {data["name"] for data in PRODUCERS}
    found += [
        f"producer {name}"
        for name in db.session.scalars(select(Producer.name).order_by(Producer.name))
        if name not in demo_producers
    ]
    demo_skus = {row[0] for row in PRODUCTS}
    found += [
        f"product {sku}"
        for sku in db.session.scalars(select(Product.sku).order_by(Product.sku))
        if sku not in demo_skus
    ]
    return found


def seed_users() -> list[str]:
    created = []
    for username, role, full_name in DEMO_USERS:
        if not db.session.scalar(select(User.id).where(User.username == username)):
            create_user(username, DEMO_PASSWORD, role, full_name)
            created.append(username)
    return created


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--force",
    is_flag=True,
    help="Seed even a database holding other data: adds users with the published demo password.",
)
def seed_demo_command(force):
    """Load the demo data of this role (idempotent). A showroom: producers, products, users, stock and
    labels. Central: the master catalog, users, the registered showrooms and months of their sales.
    Refuses a database holding anything but its own demo data, unless --force."""
    foreign = not_demo_data()
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise click.ClickException(
            f"This database holds more than the demo data ({shown}); seeding it would add users with the "
            f"published demo password '{DEMO_PASSWORD}'. Use `flask create-user` for real staff, or --force."
        )
    products = seed_catalog()
    users = seed_users()
    if current_app.config["POS_ROLE"] == "central":
        from pos.demo.central import register_demo_showrooms, seed_sales_history

        secret = current_app.config.get("SYNC_SECRET") or secrets.token_urlsafe(32)
        register_demo_showrooms(SHOWROOM["code"], SHOWROOM["name"], secret)
        sales = seed_sales_history()
        click.echo(f"Central demo data: {products} new products, {len(users)} new users, {sales} sales generated.")
    else:
        from pos.demo.labels import seed_labels
        from pos.demo.stock import seed_stock

        stocked = seed_stock()
        seed_labels()
        click.echo(f"Demo data: {products} new products, {len(users)} new users, {stocked} goods receipts posted.")
    click.echo(f"Demo logins (password '{DEMO_PASSWORD}'): cashier, manager, admin")
