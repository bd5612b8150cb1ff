"""Every message a person can see reads in Vietnamese: what `make extract-translations` collects from each area's
code and templates (service errors included) is translated in that area's catalog, and no service error is
raised with a message built at run time (an f-string could never be translated)."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
# What `make extract-translations` collects: the Makefile's KEYWORDS, read here so there is one list.
MAKE_KEYWORDS = re.findall(
    r"-k (\w+)", re.search(r"^KEYWORDS = ((?:.*\\\n)*.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
)
ERRORS = (*(name for name in MAKE_KEYWORDS if name != "_l"), "DomainError")
KEYWORDS = DEFAULT_KEYWORDS | dict.fromkeys(MAKE_KEYWORDS)
AREAS = sorted(p.parent.name for p in ROOT.glob("pos/*/translations"))


def sources(area: str) -> list[Path]:
    """The files `make extract-translations AREA=…` reads."""
    if area == "core":
        return [
            *ROOT.glob("pos/*.py"),
            *ROOT.glob("pos/auth/**/*.py"),
            *ROOT.glob("templates/*.html"),
            *ROOT.glob("templates/auth/**/*.html"),
            *ROOT.glob("templates/errors/**/*.html"),
        ]
    return [*ROOT.glob(f"pos/{area}/**/*.py"), *ROOT.glob(f"templates/{area}/**/*.html")]


def msgids(area: str) -> set[str]:
    found = set()
    for path in sources(area):
        method = "python" if path.suffix == ".py" else "jinja2"
        for _line, message, _comments, _context in extract_from_file(method, str(path), KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(area: str) -> dict[str, str]:
    directory = ROOT / ("pos/translations" if area == "core" else f"pos/{area}/translations")
    with open(directory / "vi/LC_MESSAGES/messages.po", "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(f) if m.id}


@pytest.mark.parametrize("area", ["core", *AREAS])
def test_every_message_of_an_area_is_translated_to_vietnamese(area):
    translated = catalog(area) | catalog("core")  # the core catalog is merged into every page
    assert sorted(m for m in msgids(area) if not translated.get(m)) == []


def test_a_message_reads_the_same_in_every_area():
    """The areas' catalogs are merged at run time, so an English text translated two ways would read whichever
    way the first catalog found says, on every page."""
    translations: dict[str, dict[str, str]] = {}
    for area in ["core", *AREAS]:
        for msgid, msgstr in catalog(area).items():
            if msgstr:
                translations.setdefault(msgid, {})[area] = msgstr if isinstance(msgstr, str) else msgstr[0]
    assert {m: t for m, t in translations.items() if len(set(t.values())) > 1} == {}


def test_service_errors_carry_a_constant_message():
    built_at_run_time = []
    for path in ROOT.glob("pos/**/*.py"):
        if path.name == "errors.py":  # where Text and DomainError are defined: they pass their message on
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ERRORS
                and node.args
                and not isinstance(node.args[0], ast.Constant)
            ):
                built_at_run_time.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert built_at_run_time == []


def test_every_error_class_is_a_keyword_of_the_extraction():
    """A new DomainError subclass must be added to the Makefile's KEYWORDS, or its messages are never collected."""
    import importlib
    import pkgutil

    import pos
    from pos.core.errors import DomainError

    for module in pkgutil.walk_packages(pos.__path__, "pos."):
        importlib.import_module(module.name)

    def subclasses(cls):
        return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

    missing = {cls.__name__ for cls in subclasses(DomainError)} - set(MAKE_KEYWORDS) - {"DomainError"}
    assert missing == set()
