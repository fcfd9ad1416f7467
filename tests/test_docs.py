"""The documentation: the README stays a five-minute read, and docs/ builds and holds together.

The README keeps what a newcomer needs (the two commands, what the product is, a tour of the
outputs, the layout, the glossary) and links everything else under docs/. These tests fail when
the site no longer builds strictly, an indicator of the catalogue has no methods page (or a page
that disagrees with the catalogue), a relative link or its anchor points nowhere, or the README
grows back past its limit.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assets.indicators.catalog import INDICATORS
from assets.ingest.statistics import CODES

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = REPO / "README.md"
README_LIMIT_BYTES = 12 * 1024
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def _markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _slug(heading: str) -> str:
    """The anchor GitHub (and MkDocs' toc, for ASCII headings) gives a heading."""
    text = heading.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def _nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


def test_the_site_builds_strictly(tmp_path):
    # strict: a broken link or anchor, or a page missing from the nav, is an error (not --quiet:
    # it drops the warnings before strict mode counts them)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"]
        + ["--config-file", str(REPO / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "methods" / "child_poverty.html").is_file()


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.indicator_id)
def test_every_indicator_has_its_methods_page_in_the_nav(indicator):
    page = f"methods/{indicator.indicator_id}.md"
    nav = _nav_pages(yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    assert page in nav
    text = (DOCS / page).read_text(encoding="utf-8")
    # the page says what the catalogue says (a changed definition must change its page)
    for fact in [
        indicator.label_de,
        indicator.definition_de,
        indicator.numerator_text,
        indicator.denominator_text,
        indicator.polarity,
        indicator.source,
    ]:
        assert fact in text, (page, fact)
    assert f"]({indicator.indicator_id}.md)" in (DOCS / "methods" / "index.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_to_existing_files_and_headings(path):
    broken = []
    for target in LINK.findall(_prose(path.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: not checked offline
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_file():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no heading #{anchor}")
    assert not broken, broken


def test_the_readme_is_a_five_minute_read():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < README_LIMIT_BYTES
    # the two commands come first, and the glossary of German terms stays
    assert text.index("make run    #") < text.index("make test   #") < text.index("## What it is")
    assert "## Glossary" in text
    for term in ["Sozialraum", "Träger", "Stichtag", "Merkmal", "Geheimhaltung"]:
        assert f"| {term}" in text, term


def test_the_merkmalskatalog_lists_every_code_the_reader_accepts():
    # the reader's quarantine reason for an unknown code points to the README's Merkmalskatalog
    readme = README.read_text(encoding="utf-8").split("## Merkmalskatalog")[1].split("\n## ")[0]
    inputs = (DOCS / "inputs.md").read_text(encoding="utf-8").split("## Merkmalskatalog")[1]
    for code, label in CODES.items():
        assert f"`{code}`" in readme, code
        assert f"| `{code}` | {label} |" in inputs, code
