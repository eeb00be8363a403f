"""Recording on the report page: the triage questionnaire, affects, and comments.

Who may post each one is in test_report_actions.py; here, what is written, what is refused with a
4xx naming the field, and that a stale page writes nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.desk.cast import Cast, make_cast
from tests.desk.factories import make_member, make_project, make_report
from tests.desk.report_page import add_to_fix_team, events, fresh, post
from tests.desk.test_report_detail import HOSTILE_MARKDOWN, executable_markup
from vulndesk.desk.models import Affect, AuditEvent, ReleaseLine
from vulndesk.desk.services.affects import add_affect
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    return make_cast()


# -- the triage questionnaire -------------------------------------------------------------------

FOLIO_FORM = {
    "blast_radius": "every tenant of a hosted FOLIO",
    "reproduced": "true",
    "evidence": "code_review",
    "scope": "system_wide",
    "layer": "backend",
    "domain": "software",
    "pii_exposed": "true",
    "privilege_escalation": "false",
    "affected_versions": "Poppy, Quesnelia",
}


def test_the_answers_are_recorded_and_accept_becomes_possible_folio_16_to_24(
    client: Client, cast: Cast
) -> None:
    folio = make_project("folio")
    make_member(folio, cast.alice)
    report = make_report(folio, state=State.TRIAGING)
    response = post(client, cast.alice, "report-triage", report, FOLIO_FORM)
    assert response["Location"] == report.get_absolute_url() + "#triage"
    answered = fresh(report)
    assert (answered.scope, answered.pii_exposed, answered.privilege_escalation) == (
        "system_wide",
        True,
        False,
    )
    # The audit keeps what changed, not the untouched rest of the form.
    data = AuditEvent.objects.get(report=report, action="report.triaged").data
    assert set(data) == set(FOLIO_FORM)
    html = client.get(response["Location"]).content.decode()
    assert "Triage answers recorded for FOLIO-1." in html
    assert '<button type="submit" name="target" value="accepted">Accept</button>' in html


def test_the_form_shows_the_answers_given(client: Client, cast: Cast) -> None:
    data = {"pii_exposed": "true", "privilege_escalation": "false", "scope": "app_specific"}
    response = post(client, cast.alice, "report-triage", cast.crash, data)
    html = client.get(response["Location"]).content.decode()
    assert re.search(
        r'name="pii_exposed"[^>]*>\s*<option value="unknown">[^<]*</option>\s*'
        r'<option value="true" selected>Yes',
        html,
    )
    assert '<option value="false" selected>No</option>' in html
    assert '<option value="app_specific" selected>App-specific</option>' in html
    checkbox = re.search(r'<input type="checkbox" name="may_become_exploitable"[^>]*>', html)
    assert checkbox is not None
    assert "checked" not in checkbox.group()
    assert "reproduced" not in AuditEvent.objects.get(action="report.triaged").data


def test_an_unchanged_questionnaire_writes_nothing(client: Client, cast: Cast) -> None:
    response = post(client, cast.alice, "report-triage", cast.crash, {"reproduced": "unknown"})
    assert response.status_code == 302
    assert events(cast.crash) == ["report.created"]
    assert fresh(cast.crash).version == cast.crash.version
    assert (
        "Nothing changed in the questionnaire." in client.get(response["Location"]).content.decode()
    )


def test_naming_the_original_makes_mark_as_duplicate_possible(client: Client, cast: Cast) -> None:
    report = transition(cast.crash, State.TRIAGING, actor=cast.alice)
    response = post(client, cast.alice, "report-triage", report, {"duplicate_of": "1"})
    assert fresh(report).duplicate_of == cast.leak
    html = client.get(response["Location"]).content.decode()
    assert (
        '<button type="submit" name="target" value="duplicate">Mark as duplicate</button>' in html
    )


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"scope": "galaxy"}, "scope", "Select a valid choice."),
        ({"reproduced": "maybe"}, "reproduced", "Select a valid choice."),
        ({"duplicate_of": "99"}, "duplicate_of", "EMISSARY-99 is not a report of this project"),
        ({"duplicate_of": "-1"}, "duplicate_of", "greater than or equal to 1"),
    ],
)
def test_a_bad_answer_is_a_400_next_to_its_question(
    client: Client, cast: Cast, data: dict[str, str], field: str, problem: str
) -> None:
    response = post(client, cast.alice, "report-triage", cast.crash, data)
    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index(f'id="triage_{field}_error"') :]
    assert problem in error[: error.index("</ul>")]
    assert events(cast.crash) == ["report.created"]


def test_a_report_of_another_project_is_not_an_original(client: Client, cast: Cast) -> None:
    vitess = make_project("vitess")
    make_member(vitess, cast.alice)
    other = make_report(vitess)
    response = post(client, cast.alice, "report-triage", other, {"duplicate_of": "2"})
    assert response.status_code == 400
    assert "VITESS-2 is not a report of this project you can see" in response.content.decode()


def test_a_stale_questionnaire_is_a_409_that_keeps_the_answers(client: Client, cast: Cast) -> None:
    seen = cast.crash.version
    transition(cast.crash, State.TRIAGING, actor=cast.bob)
    data = {"blast_radius": "all listeners", "version": seen}
    response = post(client, cast.alice, "report-triage", cast.crash, data)
    assert response.status_code == 409
    assert "all listeners</textarea>" in response.content.decode()
    assert fresh(cast.crash).blast_radius == ""


# -- affects ------------------------------------------------------------------------------------


def test_an_affect_is_added_for_a_release_line(client: Client, cast: Cast) -> None:
    line = ReleaseLine.objects.create(project=cast.emissary, name="3.9")
    data = {
        "release_line": line.pk,
        "affected_range": ">=3.0,<3.9.2",
        "fixed_version": "3.9.2",
        "status": "affected",
    }
    response = post(client, cast.alice, "report-affect-add", cast.crash, data)
    assert response["Location"] == cast.crash.get_absolute_url() + "#affects"
    affect = Affect.objects.get(report=cast.crash)
    assert (affect.release_line, affect.fixed_version) == (line, "3.9.2")
    html = client.get(response["Location"]).content.decode()
    assert (
        '<tr class="affect">\n        <th scope="row">Emissary</th>\n        <td>3.9</td>' in html
    )
    assert "&gt;=3.0,&lt;3.9.2" in html


def test_a_fix_team_member_records_an_affect(client: Client, cast: Cast) -> None:
    dave = add_to_fix_team(cast.crash)
    data = {"package": "emissary-apiext", "status": "not_affected"}
    assert post(client, dave, "report-affect-add", cast.crash, data).status_code == 302
    assert Affect.objects.get(report=cast.crash).package == "emissary-apiext"


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"status": "broken"}, "status", "Select a valid choice."),
        ({"status": "affected", "package": "p" * 201}, "package", "at most 200 characters"),
        ({"status": "affected", "release_line": "other"}, "release_line", "Select a valid choice."),
    ],
)
def test_a_bad_affect_is_a_400_next_to_its_field(
    client: Client, cast: Cast, data: dict[str, str], field: str, problem: str
) -> None:
    vitess = make_project("vitess")
    other_line = ReleaseLine.objects.create(project=vitess, name="19.0")
    if data.get("release_line") == "other":
        data = {**data, "release_line": str(other_line.pk)}  # not a line of this project
    response = post(client, cast.alice, "report-affect-add", cast.crash, data)
    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index(f'id="affect_{field}_error"') :]
    assert problem in error[: error.index("</ul>")]
    assert not Affect.objects.exists()


def test_an_affect_is_removed(client: Client, cast: Cast) -> None:
    affect = add_affect(cast.crash, release_line=None, package="emissary", actor=cast.alice)
    report = fresh(cast.crash)
    response = post(client, cast.alice, "report-affect-remove", report, {}, affect=affect.pk)
    assert response.status_code == 302
    assert not Affect.objects.exists()
    assert events(report)[-1] == "affect.removed"


def test_an_affect_of_another_report_is_not_found_here(client: Client, cast: Cast) -> None:
    affect = add_affect(cast.leak, release_line=None, package="emissary", actor=cast.alice)
    response = post(client, cast.alice, "report-affect-remove", cast.crash, {}, affect=affect.pk)
    assert response.status_code == 404
    assert Affect.objects.filter(pk=affect.pk).exists()


def test_a_stale_affect_change_is_a_409_that_writes_nothing(client: Client, cast: Cast) -> None:
    seen = cast.crash.version
    affect = add_affect(cast.crash, release_line=None, package="emissary", actor=cast.bob)
    data = {"package": "emissary-apiext", "status": "affected", "version": seen}
    response = post(client, cast.alice, "report-affect-add", cast.crash, data)
    assert response.status_code == 409
    assert 'value="emissary-apiext"' in response.content.decode()
    removal = post(
        client, cast.alice, "report-affect-remove", cast.crash, {"version": seen}, affect=affect.pk
    )
    assert removal.status_code == 409
    assert list(Affect.objects.values_list("package", flat=True)) == ["emissary"]


# -- comments -------------------------------------------------------------------------------


def test_a_comment_is_added_and_shown_as_markdown(client: Client, cast: Cast) -> None:
    data = {"body": "Reproduced with **3.9.1**; see [the log](https://example.org/log)."}
    response = post(client, cast.bob, "report-comment-add", cast.crash, data)
    assert response["Location"] == cast.crash.get_absolute_url() + "#comments"
    html = client.get(response["Location"]).content.decode()
    assert "Comment added." in html
    assert "<strong>3.9.1</strong>" in html
    assert (
        '<a href="https://example.org/log" rel="noopener noreferrer nofollow">the log</a>' in html
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 50_001, "at most"),
    ],
)
def test_an_empty_or_oversized_comment_is_a_400(
    client: Client, cast: Cast, body: str, problem: str
) -> None:
    response = post(client, cast.alice, "report-comment-add", cast.crash, {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index('id="comment_body_error"') :]
    assert problem in error[: error.index("</ul>")]
    assert events(cast.crash) == ["report.created"]


def test_a_hostile_comment_renders_without_executable_markup(client: Client, cast: Cast) -> None:
    response = post(client, cast.bob, "report-comment-add", cast.crash, {"body": HOSTILE_MARKDOWN})
    html = client.get(response["Location"]).content.decode()
    assert "The search box runs what it is given:" in html
    assert executable_markup(html) == []
    assert "javascript:" not in html.lower()
    assert 'action="https://evil.example/"' not in html
