"""Acting on the report page: who may, moving a report, and scoring it.

Each action answers an anonymous visitor with the login page, an outsider with the same 404 as a
missing report, a reader without the right with 403, and the right person with a redirect back
to the page (POST-redirect-GET) and a message. A version the page showed but the report has left
behind gets 409, writes nothing and keeps what the user typed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.desk.cast import Cast, make_cast, publish
from tests.desk.factories import FOLIO_TRIAGE_ANSWERS, make_member, make_project, make_report
from tests.desk.report_page import add_to_fix_team, events, fresh, post, sign_in, url
from vulndesk.desk.models import Affect, Comment, Report
from vulndesk.desk.services.reports import record_triage, score_report
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
CVSS4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    return make_cast()


# -- who may act --------------------------------------------------------------------------------

# Each action, a valid request, and what it changes.
ACTIONS: dict[str, dict[str, Any]] = {
    "report-transition": {"target": "triaging", "reason": "looking"},
    "report-score": {"vector": CVSS4, "action": "save"},
    "report-triage": {"blast_radius": "every proxy", "reproduced": "true", "evidence": "poc"},
    "report-affect-add": {"package": "emissary", "status": "affected"},
    "report-comment-add": {"body": "Reproduced on 3.9."},
}


def written(report: Report) -> int:
    """Everything an action may write, counted: audit events, affects and comments."""
    return len(events(report)) + Affect.objects.count() + Comment.objects.count()


@pytest.mark.parametrize("name", ACTIONS)
def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, cast: Cast, name: str) -> None:
    response = post(client, None, name, cast.crash, ACTIONS[name])
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")
    assert written(cast.crash) == 1  # report.created only


@pytest.mark.parametrize("name", ACTIONS)
def test_an_outsider_gets_the_404_of_a_missing_report(
    client: Client, cast: Cast, name: str
) -> None:
    response = post(client, cast.charlie, name, cast.leak, ACTIONS[name])
    assert response.status_code == 404
    assert cast.leak.title not in response.content.decode()
    # bob leads EMISSARY-2's fix and knows nothing of EMISSARY-1: the same answer.
    assert post(client, cast.bob, name, cast.leak, ACTIONS[name]).status_code == 404
    assert written(cast.leak) == 1


@pytest.mark.parametrize("name", ["report-transition", "report-score", "report-triage"])
def test_a_fix_team_member_reads_but_does_not_triage(client: Client, cast: Cast, name: str) -> None:
    dave = add_to_fix_team(cast.crash)
    assert post(client, dave, name, cast.crash, ACTIONS[name]).status_code == 403
    assert written(cast.crash) == 1


def test_a_release_manager_reads_a_published_report_and_edits_no_affect(
    client: Client, cast: Cast
) -> None:
    report = publish(cast.crash)
    data = ACTIONS["report-affect-add"]
    assert post(client, cast.rita, "report-affect-add", report, data).status_code == 403
    assert not Affect.objects.exists()


@pytest.mark.parametrize("name", ACTIONS)
def test_the_security_team_acts_and_comes_back_to_the_page(
    client: Client, cast: Cast, name: str
) -> None:
    response = post(client, cast.alice, name, cast.crash, ACTIONS[name])
    assert response.status_code == 302
    assert response["Location"].startswith(cast.crash.get_absolute_url() + "#")
    assert len(events(cast.crash)) == 2  # report.created, then this action's own event
    page = client.get(response["Location"]).content.decode()
    assert 'class="messages" role="status"' in page


def test_the_fix_lead_triages_the_report_they_lead(client: Client, cast: Cast) -> None:
    response = post(client, cast.bob, "report-transition", cast.crash, {"target": "triaging"})
    assert response.status_code == 302
    assert fresh(cast.crash).state == State.TRIAGING


@pytest.mark.parametrize("name", ACTIONS)
def test_an_action_is_a_post(client: Client, cast: Cast, name: str) -> None:
    sign_in(client, cast.alice)
    assert client.get(url(name, cast.crash)).status_code == 405


def test_a_reader_without_a_right_sees_no_form_for_it(client: Client, cast: Cast) -> None:
    dave = add_to_fix_team(cast.crash)
    sign_in(client, dave)
    html = client.get(cast.crash.get_absolute_url()).content.decode()
    for name in ("report-transition", "report-score", "report-triage"):
        assert f'action="{url(name, cast.crash)}"' not in html
    for name in ("report-affect-add", "report-comment-add"):
        assert f'action="{url(name, cast.crash)}"' in html
    assert "<dt>Blast radius</dt><dd>Not answered</dd>" in html  # the answers, read-only
    assert "<dt>Fix Team</dt><dd>dave</dd>" in html


# -- moving a report ------------------------------------------------------------------------


def transition_buttons(html: str) -> list[str]:
    start = html.index('id="state"')
    section = html[start : html.index("</section>", start)]
    return re.findall(r'<button type="submit" name="target" value="\w+">([^<]+)</button>', section)


def page_of(client: Client, user: User, report: Report) -> str:
    sign_in(client, user)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_it_offers_only_the_moves_allowed_now(client: Client, cast: Cast) -> None:
    assert transition_buttons(page_of(client, cast.alice, cast.crash)) == ["Start triage"]
    transition(cast.crash, State.TRIAGING, actor=cast.alice)
    html = page_of(client, cast.alice, cast.crash)
    # Envoy asks no questionnaire; a duplicate needs the original named first.
    assert transition_buttons(html) == ["Accept", "Reject"]
    assert "cannot mark as duplicate: say which report it duplicates" in html


def test_accept_waits_for_the_questionnaire_the_policy_requires_folio_16_to_24(
    client: Client, cast: Cast
) -> None:
    folio = make_project("folio")
    make_member(folio, cast.alice)
    report = make_report(folio, state=State.TRIAGING)
    html = page_of(client, cast.alice, report)
    assert transition_buttons(html) == ["Reject"]
    assert "cannot accept: triage is missing blast_radius, reproduced, scope" in html
    assert "required (FOLIO-19)" in html  # the questionnaire marks what acceptance needs
    record_triage(report, FOLIO_TRIAGE_ANSWERS, actor=cast.alice)
    assert "Accept" in transition_buttons(page_of(client, cast.alice, report))


def test_a_move_is_recorded_with_its_reason(client: Client, cast: Cast) -> None:
    data = {"target": "triaging", "reason": "crash reproduced on 3.9"}
    response = post(client, cast.alice, "report-transition", cast.crash, data)
    assert response["Location"] == cast.crash.get_absolute_url() + "#state"
    moved = fresh(cast.crash)
    assert (moved.state, moved.version) == (State.TRIAGING, cast.crash.version + 1)
    html = client.get(response["Location"]).content.decode()
    assert "EMISSARY-2 moved to Triaging." in html
    assert "reason: crash reproduced on 3.9" in html


def test_a_move_the_rules_refuse_is_a_400_with_the_rules_reason(client: Client, cast: Cast) -> None:
    data = {"target": "accepted", "reason": "looks real"}
    response = post(client, cast.alice, "report-transition", cast.crash, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot move from received to accepted; allowed next: triaging" in html
    assert "looks real</textarea>" in html  # the reason typed is kept
    assert fresh(cast.crash).state == State.RECEIVED
    assert events(cast.crash) == ["report.created"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"target": "sideways"}, "Select a valid choice."),
        ({"target": "triaging", "version": "one"}, "this page lost track of the report"),
        ({"target": "triaging", "version": ""}, "this page lost track of the report"),
        ({"target": "triaging", "reason": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_a_malformed_move_is_a_400(
    client: Client, cast: Cast, data: dict[str, str], problem: str
) -> None:
    response = post(client, cast.alice, "report-transition", cast.crash, data)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert events(cast.crash) == ["report.created"]


def test_a_stale_move_is_a_409_that_writes_nothing_and_keeps_the_input(
    client: Client, cast: Cast
) -> None:
    seen = cast.crash.version  # alice's page shows this version…
    transition(cast.crash, State.TRIAGING, actor=cast.bob, reason="bob got there first")
    before = events(cast.crash)
    data = {"target": "triaging", "reason": "my own reason", "version": seen}
    response = post(client, cast.alice, "report-transition", cast.crash, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert (
        "Someone else changed EMISSARY-2 while you had this page open: it is now Triaging" in html
    )
    assert "reason: bob got there first" in html  # what they changed, in the notice
    assert "my own reason</textarea>" in html
    # The form now carries the version shown, so sending it again is an informed choice.
    assert f'name="version" value="{seen + 1}" id="transition_version"' in html
    assert events(cast.crash) == before
    assert fresh(cast.crash).version == seen + 1


# -- scoring --------------------------------------------------------------------------------


def test_save_score_stores_the_librarys_score_of_a_cvss_4_vector(
    client: Client, cast: Cast
) -> None:
    data = {"vector": f"  {CVSS4} ", "action": "save"}
    response = post(client, cast.alice, "report-score", cast.crash, data)
    assert response["Location"] == cast.crash.get_absolute_url() + "#cvss"
    scored = fresh(cast.crash)
    assert (scored.cvss_vector, str(scored.cvss_score), scored.severity) == (
        CVSS4,
        "9.3",
        "critical",
    )
    html = client.get(response["Location"]).content.decode()
    assert "EMISSARY-2 scored 9.3 (critical), CVSS 4.0." in html


def test_preview_shows_the_score_and_saves_nothing(client: Client, cast: Cast) -> None:
    data = {"vector": CVSS4, "action": "preview"}
    response = post(client, cast.alice, "report-score", cast.crash, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="score">9.3</span>' in html
    assert f'value="{CVSS4}"' in html
    assert 'value="N" data-cvss-metric="AT" id="cvss_v40_AT_0" checked' in html
    assert fresh(cast.crash).cvss_vector == ""
    assert events(cast.crash) == ["report.created"]


def test_enter_in_the_vector_field_previews(client: Client, cast: Cast) -> None:
    """A form sent without a button (Enter) previews: saving takes the "Save score" button."""
    response = post(client, cast.alice, "report-score", cast.crash, {"vector": CVSS4})
    assert response.status_code == 200
    assert fresh(cast.crash).cvss_vector == ""


@pytest.mark.parametrize(
    ("vector", "problem"),
    [
        ("CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "AV:X"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "A"),
        ("AV:N/AC:L", "a vector must start with one of CVSS:3.0/, CVSS:3.1/, CVSS:4.0/"),
        ("", "type a CVSS vector such as CVSS:4.0/"),
    ],
)
@pytest.mark.parametrize("action", ["save", "preview"])
def test_a_bad_vector_is_a_400_naming_the_problem_next_to_the_field(
    client: Client, cast: Cast, vector: str, problem: str, action: str
) -> None:
    data = {"vector": vector, "action": action}
    response = post(client, cast.alice, "report-score", cast.crash, data)
    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index('id="cvss_vector_error"') :]
    assert problem in error[: error.index("</ul>")]
    assert 'aria-invalid="true"' in html
    assert fresh(cast.crash).cvss_vector == ""


def test_a_stale_score_is_a_409_that_writes_nothing(client: Client, cast: Cast) -> None:
    seen = cast.crash.version
    score_report(cast.crash, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", actor=cast.bob)
    data = {"vector": CVSS4, "action": "save", "version": seen}
    response = post(client, cast.alice, "report-score", cast.crash, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "it is now Received, scored 7.5 (high)" in html
    assert f'value="{CVSS4}"' in html  # alice's vector is still in the field
    assert fresh(cast.crash).cvss_score is not None
    assert str(fresh(cast.crash).cvss_score) == "7.5"
