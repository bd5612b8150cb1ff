"""`python -m pos.core.i18n_catalogs POT DIR`: create or update DIR's Vietnamese catalog from POT
(used by `make extract-translations`); reports how many messages still lack a translation."""

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def update_catalog(pot_path: str, directory: str) -> int:
    with open(pot_path, "rb") as f:
        template = read_po(f)
    po_path = Path(directory) / "vi" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    if po_path.exists():
        with open(po_path, "rb") as f:
            catalog = read_po(f, locale="vi")
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    else:
        catalog = template
        catalog.locale = "vi"
    catalog.obsolete.clear()
    catalog.fuzzy = False  # the header; guessed ("fuzzy") translations are never made, so none are shipped
    with open(po_path, "wb") as f:
        write_po(f, catalog, width=120, omit_header=False, sort_output=True, ignore_obsolete=True)
    return sum(1 for m in catalog if m.id and not m.string)


if __name__ == "__main__":
    missing = update_catalog(sys.argv[1], sys.argv[2])
    print(f"{sys.argv[2]}: {missing} untranslated" if missing else f"{sys.argv[2]}: complete")
