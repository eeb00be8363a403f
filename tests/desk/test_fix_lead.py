"""Each report's one Fix Lead: the rotation's choice, or a member named with a reason."""

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from tests.api.conftest import Api, token_for
from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import (
    AuditEvent,
    FixLeadRotation,
    Project,
    Report,
    TeamLeave,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.services.fix_lead import FixLeadError, assign_fix_lead, next_fix_lead
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


def emissary_team() -> tuple[Project, list[User]]:
    """Emissary (preset envoy: the rotation is round-robin) with A, B and C in that order."""
    project = make_project("emissary", preset="envoy")
    people = [make_user(name) for name in ("anna", "ben", "cleo")]
    for order, person in enumerate(people, start=1):
        TeamMember.objects.create(
            project=project, user=person, role=TeamRole.SECURITY_TEAM, rotation_order=order
        )
    return project, people


def lead_of(report: Report) -> str:
    report.refresh_from_db()
    return report.fix_lead.get_username() if report.fix_lead else ""


def test_emi_10_after_a_then_b_the_rotation_gives_c_and_then_a() -> None:
    project, (anna, _ben, _cleo) = emissary_team()
    leads = [
        lead_of(assign_fix_lead(make_report(project), actor=None)) for _ in range(4)
    ]  # the first two are "previous leads A then B"
    assert leads == ["anna", "ben", "cleo", "anna"]
    rotation = FixLeadRotation.objects.get(project=project)
    assert rotation.last_member is not None
    assert rotation.last_member.user == anna


def test_emi_10_accepting_a_report_assigns_the_next_lead_in_the_same_change() -> None:
    project, _ = emissary_team()
    report = make_report(project, state="triaging")
    accepted = transition(report, State.ACCEPTED, actor=None)
    assert accepted.fix_lead is not None
    assert accepted.fix_lead.get_username() == "anna"
    stored = Report.objects.get(pk=report.pk)
    assert (stored.state, stored.fix_lead_id) == ("accepted", accepted.fix_lead.pk)
    event = AuditEvent.objects.get(action="report.fix_lead_assigned")
    assert event.data["by"] == "rotation"


@pytest.mark.parametrize("preset", ["karmada", "folio", "vitess"])
def test_other_presets_leave_the_lead_to_be_assigned_by_hand(preset: str) -> None:
    project = make_project(preset)
    make_member(project, make_user("anna"))
    report = make_report(project, state="triaging")
    # FOLIO asks for its questionnaire before acceptance; fill what any preset may require.
    Report.objects.filter(pk=report.pk).update(
        blast_radius="x",
        reproduced=True,
        evidence="poc",
        scope="app_specific",
        layer="backend",
        domain="software",
        pii_exposed=False,
        privilege_escalation=False,
        affected_versions="1.0",
        remediation_plan="patch",
    )
    assert transition(report, State.ACCEPTED, actor=None).fix_lead is None


def test_a_member_on_leave_is_passed_over_and_the_desk_says_why() -> None:
    project, (anna, _, _) = emissary_team()
    TeamLeave.objects.create(
        member=anna.memberships.get(),
        starts_on=date(2024, 2, 20),
        ends_on=date(2024, 3, 10),
        reason="parental leave",
    )
    turn = next_fix_lead(project)
    assert turn.member is not None
    assert turn.member.user.get_username() == "ben"
    assert [(p.member.user.get_username(), p.reason) for p in turn.skipped] == [
        ("anna", "on leave")
    ]
    assert lead_of(assign_fix_lead(make_report(project), actor=None)) == "ben"
    event = AuditEvent.objects.get(action="report.fix_lead_assigned")
    assert event.data["skipped"] == [{"member": "anna", "why": "on leave"}]


def test_leave_that_ended_yesterday_does_not_skip() -> None:
    project, (anna, _, _) = emissary_team()
    TeamLeave.objects.create(
        member=anna.memberships.get(), starts_on=date(2024, 2, 1), ends_on=date(2024, 2, 29)
    )
    assert lead_of(assign_fix_lead(make_report(project), actor=None)) == "anna"


def test_a_member_at_their_load_limit_is_passed_over() -> None:
    project, (anna, _, _) = emissary_team()
    TeamMember.objects.filter(user=anna).update(max_open_reports=1)
    make_report(project, fix_lead=anna, state="fixing")
    make_report(project, fix_lead=anna, state="closed")  # a closed report is no load
    assert [p.reason for p in next_fix_lead(project).skipped] == ["at load limit"]
    assert lead_of(assign_fix_lead(make_report(project), actor=None)) == "ben"


def test_nobody_available_is_refused_with_every_reason() -> None:
    project, _people = emissary_team()
    TeamMember.objects.filter(project=project).update(max_open_reports=0)
    with pytest.raises(FixLeadError, match="anna: at load limit; ben: at load limit"):
        assign_fix_lead(make_report(project), actor=None)


def test_accepting_when_nobody_can_lead_accepts_and_leaves_the_lead_open() -> None:
    project, _ = emissary_team()
    TeamMember.objects.filter(project=project).update(max_open_reports=0)
    report = make_report(project, state="triaging")
    assert transition(report, State.ACCEPTED, actor=None).fix_lead is None
    assert Report.objects.get(pk=report.pk).state == "accepted"
    assert not FixLeadRotation.objects.filter(project=project).exists()


def test_an_override_needs_a_reason_and_does_not_move_the_rotation() -> None:
    project, (anna, _ben, cleo) = emissary_team()
    report = make_report(project)
    with pytest.raises(FixLeadError, match="reason: say why"):
        assign_fix_lead(report, actor=anna, member=cleo)
    assert lead_of(report) == ""
    assign_fix_lead(report, actor=anna, member=cleo, reason="Cleo wrote the parser")
    assert lead_of(report) == "cleo"
    event = AuditEvent.objects.get(action="report.fix_lead_assigned")
    assert (event.data["by"], event.data["reason"], event.actor) == (
        "override",
        "Cleo wrote the parser",
        anna,
    )
    # Anna was passed over by the volunteer: her turn is still next.
    assert lead_of(assign_fix_lead(make_report(project), actor=None)) == "anna"


def test_emi_8_a_report_has_one_lead_the_rotation_will_not_add_a_second() -> None:
    project, (anna, ben, _) = emissary_team()
    report = assign_fix_lead(make_report(project), actor=None)
    with pytest.raises(FixLeadError, match="already has a Fix Lead, anna"):
        assign_fix_lead(report, actor=None)
    handed = assign_fix_lead(report, actor=anna, member=ben, reason="anna is travelling")
    assert lead_of(handed) == "ben"
    handover = AuditEvent.objects.filter(action="report.fix_lead_assigned").order_by("seq")
    assert [event.data["previous"] for event in handover] == [None, "anna"]


@pytest.mark.parametrize("who", ["charlie", "rita", "gone"])
def test_emi_8_only_a_current_team_member_may_lead(who: str) -> None:
    """EMI-8: a non-member (an outsider, the release manager, a member who left) is refused."""
    project, _ = emissary_team()
    person = make_user(who)
    if who == "rita":
        make_member(project, person, TeamRole.RELEASE_MANAGER)
    if who == "gone":
        TeamMember.objects.create(
            project=project, user=person, role=TeamRole.SECURITY_TEAM, left_at=timezone.now()
        )
    report = make_report(project)
    with pytest.raises(FixLeadError, match=f"member: {who} is not a current member of the"):
        assign_fix_lead(report, actor=None, member=person, reason="volunteered")
    assert lead_of(report) == ""
    assert not AuditEvent.objects.filter(action="report.fix_lead_assigned").exists()


def test_vit_4_where_the_roster_is_the_maintainers_a_maintainer_may_lead() -> None:
    project = make_project("vitess")
    maintainer = make_user("deepthi")
    make_member(project, maintainer, TeamRole.MAINTAINER)
    report = assign_fix_lead(make_report(project), actor=None, member=maintainer, reason="owner")
    assert lead_of(report) == "deepthi"
    # The rotation, asked, picks from the same roster.
    assert lead_of(assign_fix_lead(make_report(project), actor=None)) == "deepthi"


def karmada_with_associate() -> tuple[Project, User]:
    project = make_project("karmada")
    associate = make_user("asha")
    make_member(project, associate, TeamRole.ASSOCIATE)
    return project, associate


def test_kar_10_an_associate_may_not_lead_a_private_report() -> None:
    project, asha = karmada_with_associate()
    report = make_report(project, assessed_risk="high")
    with pytest.raises(FixLeadError, match=r"asha is an associate.*\(KAR-10\)"):
        assign_fix_lead(report, actor=None, member=asha, reason="learning")
    with pytest.raises(FixLeadError, match="asha: associate not allowed"):
        assign_fix_lead(report, actor=None)


@pytest.mark.parametrize(
    "facts",
    [
        {"public_disclosure_at": datetime(2024, 2, 29, tzinfo=UTC)},
        {"assessed_risk": "low"},
    ],
    ids=["publicly disclosed", "low sensitivity"],
)
def test_kar_10_an_associate_may_lead_a_public_or_low_sensitivity_report(
    facts: dict[str, Any],
) -> None:
    project, asha = karmada_with_associate()
    report = make_report(project, **facts)
    assert lead_of(assign_fix_lead(report, actor=None, member=asha, reason="learning")) == "asha"
    assert lead_of(assign_fix_lead(make_report(project, **facts), actor=None)) == "asha"


def test_a_closed_report_gets_no_lead() -> None:
    project, (_anna, _, _) = emissary_team()
    report = make_report(project, state="closed")
    with pytest.raises(FixLeadError, match="is closed: it needs no Fix Lead"):
        assign_fix_lead(report, actor=None)


# -- the desk ---------------------------------------------------------------------------------


def page_of(report: Report) -> str:
    return reverse("report-fix-lead-assign", args=[report.project.slug, report.number])


def test_the_report_page_shows_whose_turn_is_next_and_who_is_passed_over(client: Client) -> None:
    project, (anna, ben, _) = emissary_team()
    TeamLeave.objects.create(
        member=anna.memberships.get(), starts_on=date(2024, 3, 1), ends_on=date(2024, 3, 1)
    )
    report = make_report(project)
    page = sign_in(client, ben).get(report.get_absolute_url()).content.decode()
    assert 'id="fix-team"' in page
    assert "Next in the rotation" in page
    assert "ben" in page.split('class="next-lead"')[1].split("</dd>")[0]
    assert "anna (on leave)" in page


def test_the_security_team_assigns_by_rotation_on_the_page(client: Client) -> None:
    project, (anna, _, _) = emissary_team()
    report = make_report(project)
    response = sign_in(client, anna).post(
        page_of(report), {"version": report.version, "member": "", "reason": ""}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#fix-team")
    assert lead_of(report) == "anna"


def test_an_override_without_a_reason_is_shown_next_to_the_field(client: Client) -> None:
    project, (anna, _, _cleo) = emissary_team()
    report = make_report(project)
    response = sign_in(client, anna).post(
        page_of(report), {"version": report.version, "member": "cleo", "reason": ""}
    )
    assert response.status_code == 400
    assert "say why this member leads" in response.content.decode()
    assert lead_of(report) == ""


def test_naming_an_unknown_user_is_a_400_naming_the_field(client: Client) -> None:
    project, (anna, _, _) = emissary_team()
    report = make_report(project)
    response = sign_in(client, anna).post(
        page_of(report), {"version": report.version, "member": "nobody", "reason": "x"}
    )
    assert response.status_code == 400
    assert "there is no user &#x27;nobody&#x27;" in response.content.decode()


def test_a_fix_lead_may_not_choose_the_lead_and_an_outsider_learns_nothing(
    client: Client,
) -> None:
    project, _ = emissary_team()
    bob, charlie = make_user("bob"), make_user("charlie")
    report = make_report(project, fix_lead=bob)
    data = {"version": report.version, "member": "", "reason": ""}
    assert sign_in(client, bob).post(page_of(report), data).status_code == 403
    assert sign_in(Client(), charlie).post(page_of(report), data).status_code == 404
    anonymous = Client().post(page_of(report), data)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_a_stale_page_is_told_what_changed(client: Client) -> None:
    project, (anna, _, _) = emissary_team()
    report = make_report(project)
    assign_fix_lead(report, actor=None)
    response = sign_in(client, anna).post(
        page_of(report), {"version": report.version, "member": "ben", "reason": "swap"}
    )
    assert response.status_code == 409
    assert lead_of(report) == "anna"


# -- the command line and the API ------------------------------------------------------------


def test_the_command_assigns_by_rotation_or_the_member_named() -> None:
    project, _ = emissary_team()
    first, second = make_report(project), make_report(project)
    shown = vulndesk_json("report", "lead", "EMISSARY-1")
    assert shown["fix_lead"] == "anna"
    with pytest.raises(CommandError, match="reason: say why"):
        vulndesk("report", "lead", "EMISSARY-2", "--member", "cleo")
    vulndesk("report", "lead", "EMISSARY-2", "--member", "cleo", "--reason", "volunteered")
    assert (lead_of(first), lead_of(second)) == ("anna", "cleo")


def test_the_api_assigns_the_lead_and_refuses_a_non_member_naming_the_field() -> None:
    project, (anna, _, _) = emissary_team()
    report = make_report(project)
    api = Api(token_for(anna))
    path = f"/reports/emissary/{report.number}/fix-lead"
    make_user("charlie")
    refused = api.post(path, {"member": "charlie", "reason": "x", "version": report.version})
    assert refused.status_code == 422
    assert refused.json()["field"] == "body.member"
    assert "not a current member" in refused.json()["message"]
    done = api.post(path, {"version": report.version})
    assert done.status_code == 200
    assert done.json()["fix_lead"] == "anna"
    stale = api.post(path, {"member": "ben", "reason": "swap", "version": report.version})
    assert stale.status_code == 409


def test_the_project_settings_show_the_rotation_order_and_whose_turn_is_next(
    client: Client,
) -> None:
    project, (anna, ben, _) = emissary_team()
    assign_fix_lead(make_report(project), actor=None)
    TeamLeave.objects.create(
        member=ben.memberships.get(), starts_on=date(2024, 3, 1), ends_on=date(2024, 3, 2)
    )
    page = sign_in(client, anna).get(reverse("project-settings", args=["emissary"]))
    section = page.content.decode().split('id="rotation"')[1].split("</section>")[0]
    assert re.search(r"anna</li>\s*<li>ben <span class=\"muted\">passed over: on leave", section)
    assert "cleo <strong>next</strong>" in section
