"""`vulndesk security-md PROJECT`: the project's SECURITY.md, from its policy, on stdout."""

import pytest
from django.core.management.base import CommandError
from django.test import override_settings

from tests.cli.helpers import run_process, vulndesk
from vulndesk.desk.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


# One number of each demo project's own policy, with the lines it supports.
OWN_NUMBERS = {
    "emissary": ("The fix is released within 21 days", "| 1.13 | yes |"),  # EMI-40, EMI-16
    "vitess": ("Users are told that a fix is coming", "| 19.0 | yes |"),  # VIT-21
    "karmada": ("at least 7 days, and at most 28 days, before", "| release-1.11 | yes |"),
    "openedx": ("at least 2 business days before merging", "| open-release/zebrawood.master"),
    "folio": ("The policy commits to no timelines yet.", "| Quesnelia | yes |"),  # FOLIO-Q12
}


@pytest.mark.usefixtures("demo")
@override_settings(BASE_URL="https://desk.example.org")
@pytest.mark.parametrize("slug", sorted(OWN_NUMBERS))
def test_it_prints_each_demo_project_s_security_md(slug: str) -> None:
    text = vulndesk("security_md", slug)
    assert text.startswith("# Security policy: ")
    assert f"- Use the report form: <https://desk.example.org/report/{slug}/>" in text
    assert f"- Email <security@{slug}.example.org>" in text
    for number in OWN_NUMBERS[slug]:
        assert number in text


@pytest.mark.usefixtures("demo")
def test_a_base_url_given_makes_the_links_whole() -> None:
    text = vulndesk("security_md", "karmada", "--base-url", "https://sec.karmada.io/")
    assert "<https://sec.karmada.io/advisories/?project=karmada>" in text


def test_an_unknown_project_is_refused_naming_it() -> None:
    with pytest.raises(CommandError, match="no project 'nosuch'"):
        vulndesk("security_md", "nosuch")


def test_the_verb_is_spelled_with_a_hyphen(demo_env: dict[str, str]) -> None:
    done = run_process(demo_env, "security-md", "vitess")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Security policy: Vitess\n")
    assert "VULNDESK_BASE_URL" in done.stderr  # the links are paths without it
