"""A draft transfer can be changed or thrown away (audited); one that cannot be posted says why and what to
change — e.g. a transfer that would need the consigned units, which otherwise stays "Nháp" forever."""

import pytest
from sqlalchemy import func, select

from pos.core.errors import Conflict
from pos.inventory.transfers import create_transfer_in, create_transfer_out, delete_transfer, post_transfer
from pos.models import AuditEntry, StockLevel, Transfer, TransferLine
from tests.conftest import make_product
from tests.test_inventory_consignment import receive as receive_goods


@pytest.fixture
def scarves(app, users):
    scarf = make_product(sku="LVP-KHAN", name_vi="Khăn lụa Vạn Phúc", ocop_group="textiles_handicrafts")
    receive_goods(scarf, users["manager"], 5, lot="KG1")  # on consignment
    receive_goods(scarf, users["manager"], 2, consigned=False, lot="OWN1")  # the showroom's own
    return scarf


def test_a_draft_needing_consigned_units_says_why_and_is_fixed_by_editing(manager_client, users, db, scarves):
    stuck = create_transfer_out("CG", [{"sku": "LVP-KHAN", "quantity": "4"}], users["manager"])
    page = manager_client.get(f"/inventory/transfers/{stuck.id}").get_data(as_text=True)
    assert "Phiếu nháp này chưa thể ghi sổ như hiện tại" in page
    assert (
        "Khăn lụa Vạn Phúc: cần chuyển 4, nhưng hàng của cửa hàng còn bán được chỉ có 2 (thêm 5 hàng ký gửi phải "
        "ở lại). Hãy sửa số lượng thành tối đa 2, hoặc xóa dòng."
    ) in page
    form = manager_client.get(f"/inventory/transfers/{stuck.id}/edit").get_data(as_text=True)
    assert 'value="LVP-KHAN"' in form and 'value="4"' in form and 'value="CG"' in form
    saved = manager_client.post(
        f"/inventory/transfers/{stuck.id}/edit",
        data={"direction": "out", "showroom": "cg", "note": "sửa", "sku_0": "LVP-KHAN", "quantity_0": "2"},
    )
    assert saved.status_code == 302
    assert "chưa thể ghi sổ" not in manager_client.get(f"/inventory/transfers/{stuck.id}").get_data(as_text=True)
    manager_client.post(f"/inventory/transfers/{stuck.id}", data={"action": "post"})
    db.session.expire_all()
    assert db.session.get(Transfer, stuck.id).status == "posted"
    assert db.session.get(StockLevel, scarves.id).on_hand == 5  # the consigned scarves stay
    change = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity == "transfer"))
    assert change.before["lines"][0]["quantity"] == 4 and change.after["lines"][0]["quantity"] == 2
    refused = manager_client.post(
        f"/inventory/transfers/{stuck.id}/edit",
        data={"direction": "out", "showroom": "CG", "sku_0": "LVP-KHAN", "quantity_0": "1"},
        follow_redirects=True,
    )
    assert "Chỉ sửa được phiếu chuyển kho nháp" in refused.get_data(as_text=True)


def test_a_draft_is_deleted_audited_and_its_number_not_reused_twice(manager_client, users, db, scarves):
    first = create_transfer_out("CG", [{"sku": "LVP-KHAN", "quantity": "1"}], users["manager"])
    second = create_transfer_in(
        "HK", "XC-7", [{"sku": "LVP-KHAN", "lot_code": "HK1", "quantity": "1", "unit_cost": "1000"}], users["manager"]
    )
    number = first.number
    page = manager_client.post(f"/inventory/transfers/{first.id}", data={"action": "delete"}, follow_redirects=True)
    assert f"Đã xóa phiếu chuyển kho nháp {number}" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TransferLine.id))) == 1
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert audit.entity_id == number and audit.before["lines"][0]["sku"] == "LVP-KHAN"
    third = create_transfer_out("CG", [{"sku": "LVP-KHAN", "quantity": "1"}], users["manager"])
    assert third.number not in (second.number,) and third.number.endswith("000003")
    post_transfer(second.id, users["manager"])
    with pytest.raises(Conflict):
        delete_transfer(second.id, users["manager"])
