"""alice triages EMISSARY-1 on its report page: from received to accepted, scored in CVSS 4.0.

Emissary runs the envoy preset: its questionnaire asks nothing before acceptance, and its
deadlines run from the disclosure, each quoting the sentence of the policy it comes from.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.steps import authenticator_app, log_in_with_code
from tests.desk.cast import Cast, file_report, make_cast
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import AuditEvent, StateChoices, TeamRole

VECTOR = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"

# The envoy preset's deadlines: name, rule, and the policy's own words.
ENVOY_DEADLINES = [
    (
        "fix_team_formed",
        "EMI-27",
        "These steps should be completed within the first 24 hours of disclosure.",
    ),
    (
        "fix_developed",
        "EMI-30",
        "These steps should be completed within the 1-7 days of Disclosure.",
    ),
    (
        "forthcoming_fix_announced",
        "EMI-37",
        "Disclosure of Forthcoming Fix to Users (Completed within 1-7 days of Disclosure)",
    ),
    ("fix_released", "EMI-40", "Fix Release Day (Completed within 1-21 days of Disclosure)"),
    (
        "retrospective_sent",
        "EMI-46",
        "These steps should be completed 1-3 days after the Release Date.",
    ),
]


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def status_message(page: Page, text: str) -> None:
    """The page a form went back to says `text`, and its scripts are ready.

    The message shows as soon as the page is parsed, before the deferred htmx has run; a
    vector typed in that moment would change nothing that htmx watches, and no score would come.
    """
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
    page.wait_for_load_state("load")


def test_a_report_is_triaged_scored_in_cvss_4_and_accepted_on_its_page(
    page: Page, screenshot: Screenshot, cast: Cast, browser_problems: list[str]
) -> None:
    alice: User = cast.alice
    log_in_with_code(page, "alice", authenticator_app(alice))
    page.goto(cast.leak.get_absolute_url())
    expect(page.get_by_role("heading", name="EMISSARY-1: Admin token leaks")).to_be_visible()
    moves = page.get_by_role("region", name="Move the report")
    expect(moves).to_contain_text("Now: Received")
    screenshot("received")

    moves.get_by_role("button", name="Start triage").click()
    status_message(page, "EMISSARY-1 moved to Triaging.")
    expect(moves).to_contain_text("Now: Triaging")
    # The envoy preset requires no answer before acceptance, so the questionnaire marks none.
    questionnaire = page.get_by_role("region", name="Triage questionnaire")
    expect(questionnaire.get_by_text("required (")).to_have_count(0)

    calculator = page.get_by_role("region", name="CVSS")
    calculator.get_by_label("CVSS vector").fill(VECTOR)
    # The score comes live from the server while the vector is typed, before anything is saved.
    live = calculator.locator("output.cvss-preview")
    expect(live).to_contain_text("9.3")
    expect(live).to_contain_text("critical")
    expect(live).to_contain_text("CVSS 4.0")
    screenshot("live-score")

    calculator.get_by_role("button", name="Save score").click()
    status_message(page, "EMISSARY-1 scored 9.3 (critical), CVSS 4.0.")

    moves.get_by_role("button", name="Accept").click()
    status_message(page, "EMISSARY-1 moved to Accepted.")
    expect(moves).to_contain_text("Now: Accepted")
    expect(moves.get_by_role("button", name="Start fixing")).to_be_visible()

    deadlines = page.get_by_role("region", name="Deadlines")
    for name, rule, sentence in ENVOY_DEADLINES:
        row = deadlines.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text(rule)
        expect(row).to_contain_text(sentence)
    expect(
        deadlines.get_by_role("row").filter(has_text="fix_team_formed").filter(has_text="UTC")
    ).to_be_visible()
    screenshot("accepted")
    assert browser_problems == []
    # The long CVSS 4.0 vector in the timeline once pushed the page wider than a laptop screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    leak = cast.leak
    leak.refresh_from_db()
    assert leak.state == StateChoices.ACCEPTED
    assert (leak.cvss_vector, leak.cvss_version) == (VECTOR, "4.0")
    assert (leak.cvss_score, leak.severity) == (Decimal("9.3"), "critical")
    changes = AuditEvent.objects.filter(
        report=leak, actor=alice, action__in=["report.transition", "report.scored"]
    ).order_by("seq")
    assert [(event.action, event.data.get("to")) for event in changes] == [
        ("report.transition", "triaging"),
        ("report.scored", None),
        ("report.transition", "accepted"),
    ]


def test_a_folio_report_is_accepted_once_its_required_questionnaire_is_answered(
    page: Page, screenshot: Screenshot, browser_problems: list[str]
) -> None:
    """FOLIO-1, FOLIO-16, FOLIO-19…24: no acceptance before the triage questions are answered."""
    alice = make_user("alice")
    folio = make_project("folio")
    make_member(folio, alice, TeamRole.SECURITY_TEAM)
    report = file_report(folio, "Tenant data readable across tenants", actor=alice)
    log_in_with_code(page, "alice", authenticator_app(alice))
    page.goto(report.get_absolute_url())
    moves = page.get_by_role("region", name="Move the report")
    moves.get_by_role("button", name="Start triage").click()
    status_message(page, "FOLIO-1 moved to Triaging.")

    expect(moves.get_by_role("button", name="Accept")).to_have_count(0)
    expect(
        moves.get_by_role("listitem").filter(has_text="cannot accept: triage is missing")
    ).to_be_visible()
    questionnaire = page.get_by_role("region", name="Triage questionnaire")
    expect(questionnaire.get_by_text("required (")).to_have_count(8)

    def answer(label: str) -> Locator:
        return questionnaire.get_by_label(label, exact=True)

    answer("Blast radius").fill("every tenant of a hosted FOLIO")
    answer("Reproduced").select_option(label="No")
    answer("How it was confirmed").select_option(label="Code review")
    answer("Scope").select_option(label="System-wide")
    answer("Layer").select_option(label="Backend")
    answer("Domain").select_option(label="Software")
    answer("Exposes personal data (PII)").select_option(label="Yes")
    answer("Allows privilege escalation").select_option(label="No")
    answer("Affected versions").fill("Poppy, Quesnelia")
    screenshot("questionnaire-answered")
    questionnaire.get_by_role("button", name="Save triage answers").click()
    status_message(page, "Triage answers recorded for FOLIO-1.")

    moves.get_by_role("button", name="Accept").click()
    status_message(page, "FOLIO-1 moved to Accepted.")
    screenshot("accepted")
    assert browser_problems == []

    report.refresh_from_db()
    assert report.state == StateChoices.ACCEPTED
    assert (report.scope, report.pii_exposed, report.reproduced) == ("system_wide", True, False)
    assert report.affected_versions == "Poppy, Quesnelia"
