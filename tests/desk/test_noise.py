"""Noise control on the report page: quality signals, similar reports (only among those the user
may see), and marking a duplicate or rejecting politely in one action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.desk.cast import Cast, file_report, make_cast
from tests.desk.factories import make_project
from tests.desk.report_page import add_to_fix_team, events, fresh, post, sign_in, url
from vulndesk.desk.models import AuditEvent, Report
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State
from vulndesk.process.noise import REJECTION_REASONS

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]

LOOKALIKE = "Admin token leaks into the access logs on login"
HIDDEN_TITLE = "Admin token leaks into access logs (another project)"


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def page(client: Client, cast: Cast, report: Report, user: User | None = None) -> str:
    sign_in(client, user or cast.alice)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def similar_section(html: str) -> str:
    start = html.index('id="similar-h"')
    return html[start : html.index("</section>", start)]


def test_the_page_shows_quality_signals_with_their_reasons(client: Client, cast: Cast) -> None:
    html = page(client, cast, cast.leak)
    assert "Quality signals" in html
    # The cast's description says "Steps to reproduce are attached."
    assert "Reproduction steps</strong>: yes (has steps to reproduce)" in html
    assert "Affected version</strong>: no (names no affected version)" in html
    assert "Proof of concept</strong>: yes (mentions &quot;attached&quot;)" in html
    # Dana filed EMISSARY-2 too; it is neither accepted nor turned down yet.
    assert "2 other reports" not in html
    assert "1 other report: 0 accepted, 0 rejected or duplicate" in html


def test_similar_reports_are_listed_with_key_state_and_score(client: Client, cast: Cast) -> None:
    twin = file_report(cast.emissary, LOOKALIKE, actor=cast.alice)
    section = similar_section(page(client, cast, cast.leak))
    assert twin.key in section
    assert LOOKALIKE in section
    assert "Received" in section
    assert f"Mark as duplicate of {twin.key}" in section
    assert cast.crash.key not in section  # nothing alike: below the threshold


def test_an_embargoed_report_of_another_project_never_appears(client: Client, cast: Cast) -> None:
    hidden = file_report(make_project("other", preset="envoy"), HIDDEN_TITLE, actor=None)
    html = page(client, cast, cast.leak)
    assert hidden.key not in similar_section(html)
    assert HIDDEN_TITLE not in html
    assert "No similar report among those you may see." in html


def test_similar_reports_come_only_from_what_the_user_may_see(client: Client, cast: Cast) -> None:
    # bob triages EMISSARY-2 as its Fix Lead but may not see the reports he has no part in.
    twin = file_report(cast.emissary, "Crafted header crashes the proxy again", actor=None)
    assert twin.key in similar_section(page(client, cast, cast.crash))
    bobs = similar_section(page(client, cast, cast.crash, cast.bob))
    assert twin.key not in bobs
    assert twin.title not in bobs
    assert "No similar report among those you may see." in bobs


def test_a_reader_who_does_not_triage_sees_the_signals_but_no_buttons(
    client: Client, cast: Cast
) -> None:
    dave = add_to_fix_team(cast.crash)
    html = page(client, cast, cast.crash, dave)
    assert "Quality signals" in html
    assert "Mark as duplicate of" not in html
    assert "Reject with this reason" not in html


def test_rejected_and_duplicate_reports_stay_listed(client: Client, cast: Cast) -> None:
    twin = file_report(cast.emissary, LOOKALIKE, actor=cast.alice)
    twin = transition(twin, State.TRIAGING, actor=cast.alice)
    transition(twin, State.REJECTED, actor=cast.alice, reason="not a vulnerability")
    section = similar_section(page(client, cast, cast.leak))
    assert twin.key in section
    assert "Rejected" in section


def test_a_judged_report_shows_no_noise_section(client: Client, cast: Cast) -> None:
    Report.objects.filter(pk=cast.leak.pk).update(state=State.ACCEPTED)
    assert "Quality signals" not in page(client, cast, cast.leak)


def test_mark_as_duplicate_in_one_action_from_received(client: Client, cast: Cast) -> None:
    twin = file_report(cast.emissary, LOOKALIKE, actor=cast.alice)
    response = post(client, cast.alice, "report-duplicate", twin, {"original": cast.leak.pk})
    assert response.status_code == 302
    assert response["Location"] == twin.get_absolute_url() + "#noise"
    marked = fresh(twin)
    assert (marked.state, marked.duplicate_of) == (State.DUPLICATE, cast.leak)
    assert events(twin)[-3:] == ["report.triaged", "report.transition", "report.transition"]
    last = AuditEvent.objects.filter(report=twin).order_by("seq").last()
    assert last is not None
    assert last.data["reason"] == f"duplicate of {cast.leak.key}"


def test_reject_in_one_action_with_a_canned_reason_and_a_note(client: Client, cast: Cast) -> None:
    code, text = REJECTION_REASONS[0]
    data = {"reason": code, "note": "The admin token is meant to be logged at debug level."}
    response = post(client, cast.alice, "report-reject", cast.leak, data)
    assert response.status_code == 302
    assert fresh(cast.leak).state == State.REJECTED
    last = AuditEvent.objects.filter(report=cast.leak).order_by("seq").last()
    assert last is not None
    assert last.data["reason"] == f"{text}\n\n{data['note']}"
    # Nothing is deleted: the team still finds it.
    sign_in(client, cast.alice)
    assert cast.leak.key in client.get("/reports/?q=token").content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [("report-duplicate", {"original": "ORIGINAL"}), ("report-reject", {"reason": "expected"})],
)
def test_a_stale_version_is_a_409_and_nothing_is_written(
    client: Client, cast: Cast, name: str, data: dict[str, object]
) -> None:
    twin = file_report(cast.emissary, LOOKALIKE, actor=cast.alice)
    seen = twin.version
    transition(twin, State.TRIAGING, actor=cast.alice)  # someone else moved it meanwhile
    before = events(twin)
    data = {k: cast.leak.pk if v == "ORIGINAL" else v for k, v in data.items()}
    response = post(client, cast.alice, name, twin, {**data, "version": seen})
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()
    assert (fresh(twin).state, fresh(twin).duplicate_of) == (State.TRIAGING, None)
    assert events(twin) == before


def test_an_original_the_user_may_not_see_is_refused_naming_the_field(
    client: Client, cast: Cast
) -> None:
    hidden = file_report(make_project("other", preset="envoy"), HIDDEN_TITLE, actor=None)
    before = events(cast.leak)
    response = post(client, cast.alice, "report-duplicate", cast.leak, {"original": hidden.pk})
    assert response.status_code == 400
    assert "pick one of the similar reports shown" in response.content.decode()
    assert hidden.title not in response.content.decode()
    assert fresh(cast.leak).state == State.RECEIVED
    assert events(cast.leak) == before


def test_an_unknown_reason_is_refused_naming_the_field(client: Client, cast: Cast) -> None:
    response = post(client, cast.alice, "report-reject", cast.leak, {"reason": "go away"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert fresh(cast.leak).state == State.RECEIVED


@pytest.mark.parametrize("name", ["report-duplicate", "report-reject"])
def test_only_a_triager_may_act_anonymous_outsider_reader(
    client: Client, cast: Cast, name: str
) -> None:
    data = {"original": cast.leak.pk, "reason": "expected", "version": cast.crash.version}
    # Signed out: to the login page.
    response = client.post(url(name, cast.crash), data)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    # No part in the report: it does not exist.
    sign_in(client, cast.charlie)
    assert client.post(url(name, cast.crash), data).status_code == 404
    # Reads it (on its Fix Team) but does not triage: forbidden.
    sign_in(client, add_to_fix_team(cast.crash))
    assert client.post(url(name, cast.crash), data).status_code == 403
    assert fresh(cast.crash).state == State.RECEIVED
