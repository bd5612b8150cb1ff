"""Demo data, for `make run` and the benchmarks: CLI only (`flask seed-demo`), never a page.

showroom.py seeds the catalog and users of either role and holds the command; central.py the registered showrooms
and months of their sales; stock.py goods receipts and transfers; labels.py label scans."""

from pos.demo.showroom import seed_demo_command

__all__ = ["seed_demo_command"]
