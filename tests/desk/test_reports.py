"""Creating, scoring and classifying reports with the report services.

alice is on the Security Team, bob is a maintainer on the Fix Team, charlie has no role.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, ChannelChoices, Project, Report, TeamRole
from vulndesk.desk.services.reports import (
    create_report,
    override_severity,
    score_report,
    set_disclosure_level,
)
from vulndesk.process.lifecycle import DisclosureError, DisclosureLevel
from vulndesk.process.severity import CvssError, Severity, release_kind

pytestmark = pytest.mark.django_db

HIGH_75 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
MEDIUM_54 = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N"


@pytest.fixture
def alice() -> User:
    return make_user("alice")


@pytest.fixture
def bob() -> User:
    return make_user("bob")


@pytest.fixture
def charlie() -> User:
    return make_user("charlie")


def team(slug: str, alice: User, bob: User) -> Project:
    project = make_project(slug)
    make_member(project, alice, TeamRole.SECURITY_TEAM)
    make_member(project, bob, TeamRole.MAINTAINER)
    return project


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("seq").last()
    assert event is not None
    return event


def test_reports_are_numbered_per_project(alice: User) -> None:
    folio, karmada = make_project(), make_project("karmada")
    keys = [make_report(p, actor=alice).key for p in (folio, folio, karmada, folio)]
    assert keys == ["FOLIO-1", "FOLIO-2", "KARMADA-1", "FOLIO-3"]


def test_a_new_report_is_received_private_and_audited(alice: User) -> None:
    t0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
    report = create_report(
        make_project(),
        title="  XSS in the inventory app ",
        description="**steps**: …",
        reporter_name="Dana",
        reporter_email="dana@example.org",
        received_at=t0,
        actor=alice,
    )
    assert (report.state, report.received_at, report.title) == (
        "received",
        t0,
        "XSS in the inventory app",
    )
    assert report.disclosure_level == DisclosureLevel.PRIVATE
    event = last_event()
    assert (event.action, event.actor, event.report_id) == ("report.created", alice, report.pk)
    assert event.data == {
        "number": 1,
        "received_at": "2024-03-01T10:00:00Z",
        "public_disclosure": False,
        "third_party": False,
        "channel": "team",
    }
    assert report.channel == ChannelChoices.TEAM


def test_emi_4_a_report_already_public_starts_publicly_disclosed() -> None:
    report = create_report(
        make_project("emissary", preset="envoy"),
        title="Crash on a malformed header",
        description="",
        reporter_name="",
        reporter_email="",
        public_disclosure_at=datetime(2024, 3, 1, tzinfo=UTC),
        public_disclosure_url="https://github.com/emissary-ingress/emissary/issues/1",
        actor=None,
    )
    assert report.is_publicly_disclosed
    assert report.disclosure_level == DisclosureLevel.PUBLIC
    assert last_event().actor_label == "system"


def test_a_report_needs_a_title() -> None:
    with pytest.raises(ValueError, match="needs a title"):
        create_report(
            make_project(),
            title=" ",
            description="",
            reporter_name="",
            reporter_email="",
            actor=None,
        )
    assert not Report.objects.exists()


def test_scoring_stores_the_canonical_vector_score_and_severity(alice: User) -> None:
    report = make_report(make_project("karmada"))
    scored = score_report(report, "CVSS:3.1/C:H/AV:N/AC:L/PR:N/UI:N/S:U/I:N/A:N", actor=alice)
    scored.refresh_from_db()
    assert (scored.cvss_vector, scored.cvss_version, scored.cvss_score, scored.severity) == (
        HIGH_75,
        "3.1",
        Decimal("7.5"),
        "high",
    )
    assert scored.version == 2
    assert last_event().data == {
        "vector": HIGH_75,
        "previous_vector": "",
        "score": 7.5,
        "severity": "high",
    }


def test_a_bad_vector_changes_nothing(alice: User) -> None:
    report = make_report(make_project())
    events = AuditEvent.objects.count()
    with pytest.raises(CvssError, match='"AV:X"'):
        score_report(report, "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", actor=alice)
    report.refresh_from_db()
    assert (report.cvss_vector, report.version, AuditEvent.objects.count()) == ("", 1, events)


def test_folio_2_only_the_security_team_sets_the_disclosure_level(
    alice: User, bob: User, charlie: User
) -> None:
    report = make_report(team("folio", alice, bob))
    for outsider in (bob, charlie, None):
        with pytest.raises(PermissionDenied, match="only the Security Team"):
            set_disclosure_level(report, "private", reason="keep it quiet", actor=outsider)
    changed = set_disclosure_level(report, "private", reason="embargoed until 1.4.2", actor=alice)
    assert (changed.disclosure_level_reason, changed.version) == ("embargoed until 1.4.2", 2)
    event = last_event()
    assert (event.action, event.actor) == ("report.disclosure_level", alice)
    assert event.data["reason"] == "embargoed until 1.4.2"


def test_emi_2_an_emissary_maintainer_may_set_the_disclosure_level(bob: User) -> None:
    project = make_project("emissary", preset="envoy")
    make_member(project, bob, TeamRole.MAINTAINER)
    report = make_report(project)
    changed = set_disclosure_level(report, "private", reason="EMST decision", actor=bob)
    assert (changed.disclosure_level_reason, changed.version) == ("EMST decision", 2)
    karmada = make_project("karmada", preset="karmada")  # an explicit roster: maintainers are not
    make_member(karmada, bob, TeamRole.MAINTAINER)
    with pytest.raises(PermissionDenied):
        set_disclosure_level(make_report(karmada), "private", reason="x", actor=bob)


def test_a_disclosure_level_change_needs_a_reason(alice: User, bob: User) -> None:
    report = make_report(team("folio", alice, bob))
    with pytest.raises(ValueError, match="say why"):
        set_disclosure_level(report, "private", reason="  ", actor=alice)


def test_folio_33_full_disclosure_waits_for_the_fix_release(alice: User, bob: User) -> None:
    report = make_report(team("folio", alice, bob))
    with pytest.raises(DisclosureError, match=r"until a fix is released \(FOLIO-33\)"):
        set_disclosure_level(report, DisclosureLevel.PUBLIC, reason="tell all", actor=alice)
    report.refresh_from_db()
    assert (report.disclosure_level, report.version) == ("private", 1)
    Report.objects.filter(pk=report.pk).update(
        fixed_version="1.4.2", fix_released_at=datetime(2024, 3, 22, tzinfo=UTC)
    )
    public = set_disclosure_level(report, "public", reason="1.4.2 is out", actor=alice)
    assert public.disclosure_level == DisclosureLevel.PUBLIC


def test_kar_25_no_semi_public_fix_at_cvss_7_5(alice: User, bob: User) -> None:
    report = score_report(make_report(team("karmada", alice, bob)), HIGH_75, actor=alice)
    with pytest.raises(DisclosureError, match=r"needs CVSS below 7\.0; this report has 7\.5"):
        set_disclosure_level(
            report, "semi_public", reason="fix in the open", actor=alice, no_user_harm=True
        )


def test_kar_25_27_semi_public_fix_at_5_4_with_a_no_harm_determination(
    alice: User, bob: User
) -> None:
    report = score_report(make_report(team("karmada", alice, bob)), MEDIUM_54, actor=alice)
    with pytest.raises(DisclosureError, match="KAR-27"):
        set_disclosure_level(report, "semi_public", reason="fix in the open", actor=alice)
    semi = set_disclosure_level(
        report,
        "semi_public",
        reason="the bug needs a design change; nobody is harmed by a public PR",
        actor=alice,
        no_user_harm=True,
    )
    assert (semi.disclosure_level, semi.no_user_harm_determined) == ("semi_public", True)
    assert last_event().data["no_user_harm"] is True


def test_folio_has_no_semi_public_fix(alice: User, bob: User) -> None:
    report = make_report(team("folio", alice, bob), cvss_score=Decimal("2.0"))
    with pytest.raises(DisclosureError, match="does not offer a semi-public fix"):
        set_disclosure_level(report, "semi_public", reason="x", actor=alice, no_user_harm=True)


def test_kar_30_the_security_team_reclassifies_severity_and_the_release_follows(
    alice: User, bob: User
) -> None:
    project = team("karmada", alice, bob)
    report = score_report(make_report(project), HIGH_75, actor=alice)
    with pytest.raises(PermissionDenied):
        override_severity(report, "medium", reason="only exploitable by admins", actor=bob)
    reclassified = override_severity(
        report, Severity.MEDIUM, reason="only exploitable by admins", actor=alice
    )
    assert reclassified.effective_severity is Severity.MEDIUM
    release_map = project.policy().severity.release
    assert release_kind(Severity.HIGH, release_map) == "out_of_band"
    assert release_kind(reclassified.effective_severity, release_map) == "next_patch"
    restored = override_severity(reclassified, None, reason="new exploit path found", actor=alice)
    assert restored.effective_severity is Severity.HIGH
    assert restored.version == 4


def test_emi_31_where_the_fix_lead_owns_the_score_there_is_no_override(bob: User) -> None:
    project = make_project("emissary", preset="envoy")
    make_member(project, bob, TeamRole.MAINTAINER)
    with pytest.raises(PermissionDenied, match="no severity override"):
        override_severity(make_report(project), "low", reason="feels minor", actor=bob)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 301, "title: Ensure this value has at most 300 characters"),
        ("reporter_email", "not an address", "reporter_email: Enter a valid email address."),
    ],
)
def test_intake_refuses_what_it_could_not_store_as_given_and_keeps_nothing(
    field: str, value: str, message: str
) -> None:
    project = make_project()
    fields = {"title": "XSS", "description": "", "reporter_name": "", "reporter_email": ""}
    with pytest.raises(ValueError, match=message):
        create_report(project, **(fields | {field: value}), actor=None)  # type: ignore[arg-type]
    assert not Report.objects.exists()
    assert not AuditEvent.objects.exists()
