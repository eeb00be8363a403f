"""The GitHub-advisory-style Markdown text."""

from dataclasses import replace

from tests.advisories.examples import ADVISORY
from vulndesk.advisories import markdown
from vulndesk.advisories.model import Affected, Package, Range


def test_it_reads_like_a_github_advisory() -> None:
    text = markdown.render(ADVISORY)
    assert text.startswith("# Stored XSS in the course description\n")
    assert "**CVE-2024-12345** · **GHSA-2222-3333-4444** · vulndesk OPENEDX-7" in text
    assert "Severity: Medium (5.4) · Published 2024-03-05" in text
    assert "## Impact\n\nA course author can store **script** in a description.\n" in text
    assert "| openedx-animals (PyPI) on master | >= 3.0.0, < 3.1.1 | 3.1.1 |" in text
    zebrawood = "openedx-animals (PyPI) on open-release/zebrawood.master"
    assert f"| {zebrawood} | >= 2.0.0, <= 2.5.0 | none yet |" in text
    assert "- CVSS 3.1 `CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N`: 5.4 (Medium)" in text
    assert "- CWE-79" in text
    assert "- <https://desk.example.org/advisories/openedx/7/>" in text
    assert "- Dana Reporter (reporter)" in text
    assert "- 2024-03-05: Published." in text


def test_names_in_the_table_cannot_break_it() -> None:
    odd = Affected("a|b", Package("npm", "a|b"), ranges=(Range(fixed="1.0.0"),))
    text = markdown.render(replace(ADVISORY, affected=(odd,)))
    assert "| a\\|b (npm) | < 1.0.0 | 1.0.0 |" in text


def test_a_name_cannot_open_an_html_tag_or_emphasis() -> None:
    assert markdown.escape("<script>*x*") == "\\<script>\\*x\\*"
    assert markdown.escape("< 1.0") == "< 1.0"


def test_nothing_affected_reads_as_not_known_yet() -> None:
    text = markdown.render(replace(ADVISORY, affected=(), severity=(), credits=()))
    assert "## Affected versions\n\nNot known yet.\n" in text
    assert "## Severity" not in text
    assert "## Credits" not in text
