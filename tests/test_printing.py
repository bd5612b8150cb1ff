"""The receipt printer: `flask print-test` against a printer on loopback, the printer's profile and the cut."""

import socket

import pytest
from fake_printer import FakePrinter, ends_with_cut, raster_widths

from pos.core.printer import PrinterError, paper_dots, print_raster


@pytest.fixture
def printer():
    fake = FakePrinter()
    fake.start()
    yield fake
    fake.close()


@pytest.mark.parametrize("width, dots", [("58", 384), ("80", 576)])
def test_print_test_prints_a_sample_receipt_at_each_width(app, runner, printer, width, dots):
    app.config.update(PRINTER_URL=printer.url, RECEIPT_WIDTH_MM=int(width), PRINTER_PROFILE="TM-T20II")
    result = runner.invoke(args=["print-test"])
    assert result.exit_code == 0, result.output
    assert (
        f"Sample receipt ({width} mm, {dots} dots, profile TM-T20II, with a cut) sent to {printer.url}" in result.output
    )
    job = printer.next_job()
    assert job.startswith(b"\x1b@") and raster_widths(job) == {dots}
    assert ends_with_cut(job)  # a TM-T20 has a cutter, on 58 mm paper too


def test_print_test_options_try_another_printer_without_changing_the_settings(app, runner, printer):
    result = runner.invoke(args=["print-test", "--printer", printer.url, "--width", "80", "--profile", "TM-T88V"])
    assert result.exit_code == 0, result.output
    job = printer.next_job()
    assert raster_widths(job) == {512} and ends_with_cut(job)  # a TM-T88V prints 512 dots on 80 mm paper


def test_print_test_says_in_one_line_why_nothing_printed(app, runner):
    with socket.socket() as probe:  # a port nobody listens on: a printer that is off
        probe.bind(("127.0.0.1", 0))
        off = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
        result = runner.invoke(args=["print-test", "--printer", off])
    assert result.exit_code == 1 and f"Error: Printing to {off} failed" in result.output
    assert "Traceback" not in result.output
    app.config["PRINTER_PROFILE"] = "TM-XYZ"
    result = runner.invoke(args=["print-test"])
    assert result.exit_code == 1
    assert "Unknown printer profile 'TM-XYZ' (PRINTER_PROFILE; common ones: TM-T20II, TM-T88V" in result.output
    app.config.update(PRINTER_PROFILE="", PRINTER_CUT="sometimes")
    assert "PRINTER_CUT must be auto, yes or no" in runner.invoke(args=["print-test"]).output


@pytest.mark.parametrize(
    "profile, cut_mode, cut",
    [
        ("POS-5890", "auto", False),  # a generic 58 mm printer without a cutter
        ("POS-5890", "yes", True),  # …that has one after all
        ("TM-T20II", "auto", True),
        ("TM-T20II", "no", False),
        (None, "auto", False),  # nothing set, 58 mm paper: the generic 58 mm profile
    ],
)
def test_a_58mm_receipt_is_cut_when_the_printer_can_or_when_told(app, printer, profile, cut_mode, cut):
    from PIL import Image

    image = Image.new("1", (paper_dots(58, profile or ""), 40), 1)
    print_raster(image, printer.url, profile=profile, cut_mode=cut_mode)
    assert ends_with_cut(printer.next_job()) is cut


def test_a_sales_receipt_uses_the_configured_profile_and_cut(app, cashier_client, shop, printer):
    from test_checkout import sale_body

    from pos.models import PrintJob

    app.config.update(PRINTER_URL=printer.url, RECEIPT_WIDTH_MM=58, PRINTER_PROFILE="TM-T20II")
    body = sale_body([{"product_id": shop["tea"].id, "quantity": 1}], [{"method": "cash", "amount": 500_000}])
    sale = cashier_client.post("/api/v1/sales", json=body).get_json()
    assert cashier_client.post(f"/api/v1/sales/{sale['uuid']}/print", json={}).get_json()["status"] == "printed"
    job = printer.next_job()
    assert raster_widths(job) == {384} and ends_with_cut(job)
    app.config["PRINTER_PROFILE"] = "NO-SUCH-PRINTER"  # a wrong setting: the print fails, the sale stays
    answer = cashier_client.post(f"/api/v1/sales/{sale['uuid']}/print", json={}).get_json()
    assert answer["status"] == "failed"
    with app.app_context():
        from pos.core.extensions import db

        jobs = db.session.query(PrintJob).order_by(PrintJob.id).all()
        assert [j.status for j in jobs][-1] == "failed" and "Không có mẫu máy in 'NO-SUCH-PRINTER'" in jobs[-1].error


def test_paper_dots_follow_the_printers_resolution():
    assert paper_dots(80, "") == 576 and paper_dots(58, "") == 384
    assert paper_dots(80, "TM-T88V") == 512  # 180 dpi
    assert paper_dots(80, "T-1") == 504  # never wider than the profile prints
    assert paper_dots(80, "NO-SUCH") == 576  # drawn nominally; printing says why it fails
    with pytest.raises(PrinterError):
        from PIL import Image

        print_raster(Image.new("1", (576, 8), 1), "preview", profile="NO-SUCH")
