"""Catalog CSV: checked whole before anything is written, one transaction, idempotent, round trip."""

import io

from sqlalchemy import func, select

from pos.models import OcopRating, Producer, Product
from tests.conftest import make_producer

HEADER = (
    "sku,gtin,name_vi,name_en,producer,producer_type,group,unit,price,vat_rate,stars,potential_5_star,"
    "decision_no,decision_date,certificate_no,producer_tax_code\n"
)


def good_file():
    return (
        HEADER + "CSQA-100,8936012340013,Chè Sen Quảng An,Lotus tea,HTX Chè Sen,cooperative,drinks,hộp,350000,8,4,,"
        "12/QĐ-UBND,2025-03-01,GCN-12,0108123456\n"
        + "XPT-VO,,Xôi vò Phú Thượng,,Hộ Bà Hạnh,household,food,hộp,45000,8,3,,13/QĐ-UBND,2024-05-01,,\n"
    ).encode()


def counts(db):
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Product, Producer, OcopRating))


def test_a_good_file_imports_once_and_again_changes_nothing(manager_client, db):
    page = manager_client.post("/catalog/import", data={"file": (io.BytesIO(good_file()), "catalog.csv")})
    assert page.status_code == 200 and "2" in page.get_data(as_text=True)
    assert counts(db) == (2, 2, 2)
    xoi = db.session.scalar(select(Product).where(Product.sku == "XPT-VO"))
    assert xoi.gtin.startswith("20") and len(xoi.gtin) == 13  # an in-store code was assigned
    again = manager_client.post("/catalog/import", data={"file": (io.BytesIO(good_file()), "catalog.csv")})
    assert again.status_code == 200
    assert counts(db) == (2, 2, 2)
    assert db.session.scalar(select(Product.gtin).where(Product.sku == "XPT-VO")) == xoi.gtin


def test_one_bad_row_means_nothing_is_written_and_each_problem_has_its_line(manager_client, db):
    bad = (
        good_file()
        + (
            "BAD-1,8936012340014,Sai mã,,HTX Chè Sen,cooperative,drinks,hộp,-5,7,,,,,,\n"
            "BAD-2,,,,Không rõ,,sweets,hộp,abc,8,,,,,,\n"
        ).encode()
    )
    page = manager_client.post("/catalog/import", data={"file": (io.BytesIO(bad), "catalog.csv")})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert counts(db) == (0, 0, 0)
    for expected in ("số kiểm tra sai", "price", "vat_rate", "name_vi", "producer: không có chủ thể", "group"):
        assert expected in text
    assert '<td class="num">4</td>' in text and '<td class="num">5</td>' in text


def test_row_problems_read_in_the_managers_language(manager_client, db):
    bad = good_file() + "BAD-1,,Sai giá,,HTX Chè Sen,cooperative,drinks,hộp,abc,8,3,yes,,,,\n".encode()
    vietnamese = manager_client.post("/catalog/import", data={"file": (io.BytesIO(bad), "catalog.csv")})
    text = vietnamese.get_data(as_text=True)
    assert vietnamese.status_code == 422
    assert "price: phải là số nguyên" in text
    assert "potential_5_star: chỉ sản phẩm 4★ mới được đánh dấu tiềm năng 5★" in text
    assert "decision_no: bắt buộc" in text and "must be a whole number" not in text
    english = manager_client.post("/catalog/import?lang=en", data={"file": (io.BytesIO(bad), "catalog.csv")})
    text = english.get_data(as_text=True)
    assert english.status_code == 422
    assert "price: must be a whole number" in text and "decision_no: required" in text
    assert "potential_5_star: only a 4★ product can be marked potential 5★" in text and "phải là" not in text
    assert counts(db) == (0, 0, 0)


def test_malformed_and_wrong_type_files_are_refused(manager_client, db):
    wrong_type = manager_client.post("/catalog/import", data={"file": (io.BytesIO(b"x"), "catalog.xlsx")})
    assert wrong_type.status_code == 422 and "không phải là tệp .csv" in wrong_type.get_data(as_text=True)
    not_utf8 = manager_client.post("/catalog/import", data={"file": (io.BytesIO("sku\n".encode("utf-16")), "a.csv")})
    assert not_utf8.status_code == 422
    no_header = manager_client.post("/catalog/import", data={"file": (io.BytesIO(b"a,b\n1,2\n"), "a.csv")})
    assert "thiếu cột: sku, name_vi" in no_header.get_data(as_text=True)
    assert counts(db) == (0, 0, 0)


def test_export_round_trips_through_import(manager_client, runner, db, tmp_path):
    manager_client.post("/catalog/import", data={"file": (io.BytesIO(good_file()), "catalog.csv")})
    exported = manager_client.get("/catalog/export.csv").get_data(as_text=True)
    assert exported.splitlines()[0].endswith("valid_until,status,serialized")
    assert "Chè Sen Quảng An" in exported and ",valid" in exported
    path = tmp_path / "export.csv"
    assert runner.invoke(args=["catalog", "export", "--out", str(path)]).exit_code == 0
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated, 2 unchanged, 0 ratings added" in result.output


def test_cli_import_reports_bad_rows_and_exits_non_zero(runner, db, tmp_path):
    make_producer(name="HTX Chè Sen")
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "A-1,123,Tên,,HTX Chè Sen,,drinks,hộp,10,8,,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0 and "line 2" in result.output and "nothing was imported" in result.output
    assert runner.invoke(args=["catalog", "import", str(tmp_path / "missing.csv")]).exit_code != 0
