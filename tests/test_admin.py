"""Admin: the showroom's settings (bank details for VietQR) and staff accounts."""

from sqlalchemy import select

from pos.models import AuditEntry, Showroom, User


def test_settings_are_saved_and_audited(admin_client, db):
    data = {
        "name": "Điểm OCOP Tây Hồ",
        "tax_code": "0109876543",
        "invoice_symbol": "1C26MTH",
        "bank_bin": "970436",
        "bank_account": "0011004399999",
        "bank_account_name": "DIEM OCOP TAY HO",
    }
    response = admin_client.post("/admin/settings", data=data)
    assert response.status_code == 302
    showroom = db.session.scalar(select(Showroom).where(Showroom.code == "TH"))
    assert (showroom.bank_bin, showroom.bank_account) == ("970436", "0011004399999")
    assert db.session.scalar(select(AuditEntry.entity).order_by(AuditEntry.id.desc())) == "showroom"


def test_bad_settings_name_the_field_and_change_nothing(admin_client, db):
    response = admin_client.post("/admin/settings", data={"name": "X", "bank_bin": "97043", "tax_code": "12ab"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "bank_bin" in page and "tax_code" in page
    assert "Chưa lưu cài đặt:" in page and "(VietQR): 6 chữ số, ví dụ 970436." in page  # in the admin's language
    assert '<span class="error-text">6 chữ số, ví dụ 970436</span>' in page  # and beside the field
    assert db.session.scalar(select(Showroom)) is None


def test_managers_cannot_open_admin_pages(manager_client):
    assert manager_client.get("/admin/settings").status_code == 403
    assert manager_client.get("/admin/users").status_code == 403


def test_admin_creates_and_deactivates_a_user(admin_client, db, app):
    admin_client.post(
        "/admin/users",
        data={
            "action": "create",
            "username": "thu2",
            "password": "a-long-password",
            "role": "cashier",
            "full_name": "Thu",
        },
    )
    user = db.session.scalar(select(User).where(User.username == "thu2"))
    assert user is not None and user.role == "cashier"
    admin_client.post("/admin/users", data={"action": "deactivate", "user_id": user.id})
    db.session.refresh(user)
    assert user.active is False
    short = admin_client.post(
        "/admin/users",
        data={"action": "create", "username": "x", "password": "short", "role": "cashier"},
        follow_redirects=True,
    )
    assert "Mật khẩu phải có ít nhất 8 ký tự." in short.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "x")) is None


def test_managers_browse_the_audit_log_with_before_and_after(manager_client, db):
    from tests.conftest import make_product

    product = make_product(price=100_000)
    from pos.catalog.service import PRODUCT_FIELDS, save_product

    save_product({f: getattr(product, f) for f in PRODUCT_FIELDS} | {"price": 130_000}, product)
    page = manager_client.get("/admin/audit?entity=product&action=update").get_data(as_text=True)
    assert "<strong>Giá</strong>: 100.000 → 130.000" in page  # the field by name, the figures grouped
    assert "<td>Sửa</td>" in page and f"<td>sản phẩm {product.id}</td>" in page  # codes read in the manager's words
    assert '<option value="login" >Đăng nhập</option>' in page
    assert "login" not in manager_client.get("/admin/audit?action=create").get_data(as_text=True).split('id="audit"')[1]
