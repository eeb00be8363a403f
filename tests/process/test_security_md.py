"""SECURITY.md from each preset's policy: its own channels, support rule, timelines and
distributors list, in sentences, and nothing the policy leaves open filled in."""

from datetime import timedelta

import pytest

from vulndesk.process.policy import resolve_policy
from vulndesk.process.release_lines import Line, Status
from vulndesk.process.security_md import ProjectFacts, render, words

LINES = (
    Line("1.13", Status.SUPPORTED),
    Line("1.14", Status.SUPPORTED),
    Line("main", Status.DEVELOPMENT),
)


def facts(name: str, *, form: bool = True, email: str = "", public_to: str = "") -> ProjectFacts:
    slug = name.lower()
    return ProjectFacts(
        name=name,
        form_url=f"https://desk.example.org/report/{slug}/" if form else "",
        email=email,
        already_public_to=public_to,
        advisories_url=f"https://desk.example.org/advisories/?project={slug}",
        lines=LINES,
    )


def security_md(preset: str, project: ProjectFacts, **overrides: object) -> str:
    return render(resolve_policy(preset, overrides), project)


def test_kar_20_33_34_43_karmada_states_its_timelines_and_how_to_join_its_list() -> None:
    text = security_md("karmada", facts("Karmada", public_to="cncf-karmada-security@lists.cncf.io"))
    assert "- A fix is developed within 7 days of the report reaching the security team.\n" in text
    assert (
        "Only vulnerabilities with a CVE ID get advance notice. The list is told of a vulnerability"
        " at least 7 days, and at most 28 days, before the public disclosure date. The list is"
        " told of a pending release with security fixes at least 24 hours before the release."
        " If the embargo breaks, the fix is released as soon as possible.\n"
    ) in text
    assert "private distributors list (the Private Distributors List)" in text
    # KAR-36: distributors apply; without a security address, to the team's own (KAR-13).
    assert "To join, apply to the security team at <cncf-karmada-security@lists.cncf.io>" in text
    # KAR-28, KAR-29
    assert (
        "Critical and high severity fixes get their own release. Medium and low severity fixes"
        " go in the next patch release."
    ) in text
    # KAR-14; KAR-15 sets no ASAP threshold, so no such sentence.
    assert "The team may ask whoever made it public to let it be handled privately." in text
    assert "as soon as possible." not in text.split("## Timelines")[0]
    # KAR-39 names no supported releases: the project's own marks count.
    assert "The policy has no rule for which releases are supported" in text
    assert "| 1.13 | yes |\n| 1.14 | yes |\n| main | development: gets every fix |" in text


def test_vit_15_21_27_vitess_states_its_timelines_and_has_no_distributors_list() -> None:
    text = security_md("vitess", facts("Vitess", email="security@vitess.io"))
    assert "- A fix is developed within 7 days of the report reaching the security team.\n" in text
    assert (
        "- Users are told that a fix is coming, without its details, within 7 days of the report"
        " reaching the security team.\n"
    ) in text
    assert "Vitess has no distributors list: nobody outside the security team hears" in text
    # VIT-8
    assert "Once a vulnerability scored CVSS 4.0 or more is public, every timeline below" in text
    assert "The project lists the release lines it supports." in text
    assert "The team may ask whoever made it public" not in text  # unlike EMI-5 and KAR-14


def test_emi_27_30_37_40_46_emissary_states_every_step_and_its_support_rule() -> None:
    text = security_md("envoy", facts("Emissary", form=False, email="emst@example.org"))
    for step in (
        "- The Fix Team is formed within 24 hours of the report reaching the security team.",
        "- A fix is developed within 7 days of the report reaching the security team.",
        "- The fix is released within 21 days of the report reaching the security team.",
        "- A blameless retrospective is sent to the project's lists between 24 hours and 3 days"
        " after the release.",
    ):
        assert step + "\n" in text
    # EMI-16: the latest minor line only.
    assert "Only the most recent minor release line gets security fixes." in text
    assert "| 1.13 | no |\n| 1.14 | yes |" in text
    assert "- Email <emst@example.org>; your mail becomes a private report.\n" in text
    assert "report form" not in text
    assert "they are targets that the team tracks" in text  # EMI-12: advisory timelines


def test_oedx_20_23_open_edx_counts_business_days_and_holds_to_them() -> None:
    text = security_md("openedx", facts("Open edX", form=False, email="security@openedx.org"))
    assert (
        "- A security announcement, without details, is posted at least 2 business days before"
        " merging the fix.\n"
    ) in text
    assert "Business days leave out Saturday and Sunday, counted in UTC." in text
    assert "the desk holds to them" in text  # OEDX-20 blocks the merge
    assert "Only the most recent named release gets security fixes." in text
    assert "Release branches are named `open-release/*.master`." in text
    assert "Open edX has no distributors list" in text


def test_folio_11_q3_q12_folio_opens_its_channels_and_commits_to_no_timeline_yet() -> None:
    text = security_md("folio", facts("FOLIO", email="security@folio.org"))
    assert "- Use the report form: <https://desk.example.org/report/folio/>" in text
    assert "- Email <security@folio.org>" in text
    assert "The policy commits to no timelines yet." in text  # FOLIO-Q12
    assert "FOLIO has a private distributors list:" in text  # FOLIO-14, unnamed
    assert "The policy sets no lead time for notices yet." in text
    assert "How to join is not settled yet: ask the security team at <security@folio.org>." in text


def test_a_project_s_override_changes_the_published_number() -> None:
    """The published process is the enforced one: change the policy, and the text follows."""
    overrides = {"timeline": {"steps": {"fix_developed": {"within": "P14D"}}}}
    text = security_md("karmada", facts("Karmada"), **overrides)
    assert "A fix is developed within 14 days of the report" in text


def test_a_project_with_no_open_channel_says_so() -> None:
    text = security_md("karmada", facts("Karmada", form=False))
    assert "Karmada opens no private channel here yet." in text
    assert "acknowledged" not in text


@pytest.mark.parametrize(
    ("duration", "said"),
    [
        (timedelta(hours=24), "24 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(days=7), "7 days"),
        (timedelta(days=28), "28 days"),
        (timedelta(weeks=6), "6 weeks"),
        (timedelta(minutes=90), "90 minutes"),
    ],
)
def test_durations_read_in_the_unit_they_were_written_in(duration: timedelta, said: str) -> None:
    assert words(duration) == said
