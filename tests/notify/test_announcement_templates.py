"""Announcement templates per project: defaults for each kind, a project's own text, and a
template naming a field the report does not have refused when saved and when previewed, never
at send time (issue 8, "Bad input")."""

from datetime import UTC, datetime

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import Affect, AuditEvent, Project, Report
from vulndesk.desk.services.schedule import schedule_release
from vulndesk.desk.services.transitions import transition
from vulndesk.notify.announcements import (
    ALLOWED,
    DEFAULTS,
    FIELDS,
    TemplateProblem,
    check,
    preview,
    save_template,
)
from vulndesk.notify.models import AnnouncementTemplate, OutboundEmail
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db
Kind = OutboundEmail.Kind
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"


@pytest.fixture
def report() -> Report:
    report = make_report(
        make_project("vitess", preset="vitess"),
        cve_id="CVE-2026-1234",
        cvss_vector=VECTOR,
        cvss_score="9.1",
        severity="critical",
        release_date=datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
        mitigation="Block port 15999 at the load balancer.",
    )
    Affect.objects.create(
        report=report, package="vitess.io/vitess", affected_range="<19.0.4", fixed_version="19.0.4"
    )
    return report


def test_every_kind_has_a_default_that_renders() -> None:
    for kind in DEFAULTS:
        default = DEFAULTS[kind]
        assert check(default.subject, default.body, kind=kind) == [], kind


def test_kar_44_kar_45_the_default_release_announcement_is_actionable(report: Report) -> None:
    subject, body = preview(report, Kind.RELEASE)
    assert subject == "Vitess: CVE-2026-1234 fixed in vitess.io/vitess 19.0.4"
    for fact in (
        "CVE-2026-1234",
        "CVSS 9.1 (critical)",
        VECTOR,
        "vitess.io/vitess <19.0.4",
        "upgrade vitess.io/vitess 19.0.4",
        "Block port 15999 at the load balancer.",
    ):
        assert fact in body, body


def test_vit_22_emi_39_the_forthcoming_fix_notice_gives_the_release_date_in_utc_and_mitigation(
    report: Report,
) -> None:
    subject, body = preview(report, Kind.FORTHCOMING_FIX)
    assert subject == "Vitess: a security fix will be released on 2026-11-30 16:00 UTC"
    assert "at 2026-11-30 16:00 UTC via this list" in body
    assert "2026-11-30T16:00:00+00:00" in body
    assert "Block port 15999" in body


def test_oedx_22_the_pre_merge_notice_carries_no_details(report: Report) -> None:
    subject, body = preview(report, Kind.PRE_MERGE_NOTICE)
    assert "critical" in subject
    assert report.title not in body
    assert "Block port" not in body


def test_a_template_naming_a_missing_field_is_refused_when_saved_naming_the_field(
    report: Report,
) -> None:
    with pytest.raises(TemplateProblem, match=r"body: \{\{ cve \}\} is not a field; use one of"):
        save_template(
            report.project,
            Kind.RELEASE,
            subject="{{ cve_id }}",
            body="Fixed: {{ cve }}",
            actor=make_user("alice"),
        )
    assert not AnnouncementTemplate.objects.exists()


def test_a_stored_template_naming_a_missing_field_fails_at_preview(report: Report) -> None:
    # Stored before the field was renamed, say: the preview says so, nothing is sent wrong.
    AnnouncementTemplate.objects.create(
        project=report.project, kind=Kind.RELEASE, subject="{{ key }}", body="{{ fix_version }}"
    )
    with pytest.raises(TemplateProblem, match=r"\{\{ fix_version \}\} is not a field"):
        preview(report, Kind.RELEASE)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{% if embargo %}x{% endif %}", "{{ embargo }} is not a field"),
        ("{{ title|default:secret }}", "{{ secret }} is not a field"),
        ("{{ report.reporter_email }}", "{{ report }} is not a field"),
        ('{% include "notify/acknowledgement.txt" %}', "may not include or extend"),
        ("{% if %}", "body: "),
        ("{% endif %}", "body: "),
    ],
)
def test_what_a_template_may_not_do(body: str, problem: str) -> None:
    [found] = check("{{ key }}", body, kind=Kind.RELEASE)
    assert problem in found


def test_a_project_template_is_saved_audited_and_used(report: Report) -> None:
    save_template(
        report.project,
        Kind.RELEASE,
        subject="[{{ severity }}] fixed on {{ release_date }}",
        body="{% for line in fixed_versions.splitlines %}* {{ line }}\n{% endfor %}",
        actor=make_user("alice"),
    )
    subject, body = preview(report, Kind.RELEASE)
    assert subject == "[critical] fixed on 2026-11-30 16:00 UTC"
    assert body == "* vitess.io/vitess 19.0.4\n"
    event = AuditEvent.objects.get(action="announcement_template.saved")
    assert event.data["kind"] == "release"


# EMI-37, VIT-21, OEDX-20, OEDX-22: the notices that go public before the Release Date may not
# name what stays embargoed until it; the refusal names the field and why, at save and preview.
@pytest.mark.parametrize(
    ("kind", "subject", "body", "problem"),
    [
        (
            Kind.FORTHCOMING_FIX,
            "{{ project }}: fix on {{ release_date }}",
            "Fix for {{ title }} coming.",
            "body: {{ title }} names the report's title, which stays embargoed until the Release "
            "Date: a forthcoming-fix notice goes public before it (EMI-37, VIT-21); use one of "
            "key, project, team, severity, release_date, release_date_iso, release_date_local, "
            "mitigation",
        ),
        (
            Kind.FORTHCOMING_FIX,
            "{{ cve_id }}: fix on {{ release_date }}",
            "{{ mitigation }}",
            "subject: {{ cve_id }} names the CVE ID, which stays embargoed until the Release Date",
        ),
        (
            Kind.FORTHCOMING_FIX,
            "fix on {{ release_date }}",
            "{% if cvss_vector %}{{ cvss_vector|lower }}{% endif %}",
            "body: {{ cvss_vector }} names the CVSS vector, which tells how the vulnerability is "
            "reached, which stays embargoed",
        ),
        (
            Kind.FORTHCOMING_FIX,
            "fix on {{ release_date }}",
            "{% for line in upgrade.splitlines %}{{ line }}{% endfor %}",
            "body: {{ upgrade }} names the fixed versions",
        ),
        (
            Kind.PRE_MERGE_NOTICE,
            "{{ severity }} fix merged on {{ release_date }}",
            "Until then: {{ mitigation }}",
            "body: {{ mitigation }} names the mitigation steps, which describe the vulnerability, "
            "which stays embargoed until the Release Date: a pre-merge notice goes public before "
            "it (OEDX-20, OEDX-22)",
        ),
        (
            Kind.PRE_MERGE_NOTICE,
            "{{ severity }} fix, CVSS {{ cvss_score }}",
            "Merged on {{ release_date }}.",
            "subject: {{ cvss_score }} names the CVSS base score",
        ),
    ],
)
def test_emi_37_oedx_22_a_public_notice_before_the_date_may_not_name_embargoed_fields(
    report: Report, kind: OutboundEmail.Kind, subject: str, body: str, problem: str
) -> None:
    with pytest.raises(TemplateProblem) as refused:
        save_template(report.project, kind, subject=subject, body=body, actor=make_user("alice"))
    [found] = refused.value.problems
    assert found.startswith(problem), found
    assert not AnnouncementTemplate.objects.exists()
    # Stored before this check existed, say: the preview refuses it, nothing leaks at send time.
    AnnouncementTemplate.objects.create(
        project=report.project, kind=kind, subject=subject, body=body
    )
    with pytest.raises(TemplateProblem) as at_preview:
        preview(report, kind)
    assert at_preview.value.problems == [found]


def test_emi_38_oedx_21_what_each_public_notice_before_the_date_may_say(report: Report) -> None:
    save_template(
        report.project,
        Kind.FORTHCOMING_FIX,
        subject="{{ key }}: a {{ severity }} fix on {{ release_date }}",
        body="{{ team }} of {{ project }}: {{ release_date_local }}. Until then: {{ mitigation }}",
        actor=None,
    )
    save_template(
        report.project,
        Kind.PRE_MERGE_NOTICE,
        subject="{{ project }}: a {{ severity }} fix merged on {{ release_date_iso }}",
        body="Releases patched:\n{{ affected_versions }}",
        actor=None,
    )
    _, body = preview(report, Kind.FORTHCOMING_FIX)
    assert body.endswith("Until then: Block port 15999 at the load balancer.")
    _, body = preview(report, Kind.PRE_MERGE_NOTICE)
    assert body == "Releases patched:\nvitess.io/vitess <19.0.4"


def test_the_kinds_sent_after_the_date_or_to_bound_distributors_may_name_every_field() -> None:
    every = "".join(f"{{{{ {name} }}}}" for name in FIELDS)
    for kind in (Kind.DISTRIBUTOR_NOTICE, Kind.RELEASE, Kind.UNSUPPORTED_NOTICE):
        assert check(every, every, kind=kind) == [], kind


def test_a_kind_that_is_not_an_announcement_has_no_template(report: Report) -> None:
    with pytest.raises(TemplateProblem, match="'acknowledgement' is not an announcement"):
        save_template(report.project, "acknowledgement", subject="s", body="b", actor=None)


def test_oedx_20_the_release_date_is_also_given_in_the_projects_time_zone(report: Report) -> None:
    Project.objects.filter(pk=report.project_id).update(
        policy_overrides={"calendar": {"timezone": "America/New_York"}}
    )
    report.refresh_from_db()
    _, body = preview(report, Kind.FORTHCOMING_FIX)
    assert "2026-11-30 16:00 UTC (2026-11-30 11:00 America/New_York (UTC-0500);" in body


def test_emi_37_the_editor_of_a_notice_public_before_the_date_lists_only_what_it_may_name(
    client: Client, report: Report
) -> None:
    sign_in(client, make_member(report.project, make_user("alice")).user)
    url = reverse(
        "project-announcement-template",
        kwargs={"slug": report.project.slug, "kind": Kind.FORTHCOMING_FIX},
    )
    page = client.get(url).content.decode()
    for name in ("severity", "release_date_local", "mitigation"):
        assert f"<code>{{{{ {name} }}}}</code>" in page, name
    for name in ("title", "cve_id", "cvss_vector", "fixed_versions"):
        assert f"<code>{{{{ {name} }}}}</code>" not in page, name
    refused = client.post(url, {"subject": "{{ title }}", "body": "{{ release_date }}"})
    assert refused.status_code == 400
    assert "names the report&#x27;s title, which stays embargoed" in refused.content.decode()
    assert not AnnouncementTemplate.objects.exists()


# EMI-37, VIT-21, OEDX-22: a field that stays embargoed may not reach a notice public before the
# Release Date under another name either: through `with`, or outside a loop that binds its name.
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "{% with alias=title %}{{ alias }}{% endwith %}",
            "body: {{ title }} names the report's title, which stays embargoed",
        ),
        (
            "{% with cve_id as alias %}{{ alias|upper }}{% endwith %}",
            "body: {{ cve_id }} names the CVE ID, which stays embargoed",
        ),
        (
            "{% for title in key %}{% endfor %}{% for cve_id in key %}{% endfor %}"
            "Leak: {{ title }} / {{ cve_id }}",
            "body: a for or with variable may not be called cve_id, the name of a field; "
            "choose another name",
        ),
        (
            "{% with title=key %}{{ title }}{% endwith %}",
            "body: a for or with variable may not be called title, the name of a field",
        ),
    ],
)
def test_emi_37_vit_21_an_embargoed_field_under_another_name_is_refused(
    report: Report, body: str, problem: str
) -> None:
    with pytest.raises(TemplateProblem) as refused:
        save_template(
            report.project, Kind.FORTHCOMING_FIX, subject="{{ key }}", body=body, actor=None
        )
    assert refused.value.problems[0].startswith(problem), refused.value.problems
    assert not AnnouncementTemplate.objects.exists()
    # Stored before this check existed: the preview refuses it and shows neither value.
    AnnouncementTemplate.objects.create(
        project=report.project, kind=Kind.FORTHCOMING_FIX, subject="{{ key }}", body=body
    )
    with pytest.raises(TemplateProblem):
        preview(report, Kind.FORTHCOMING_FIX)


def test_emi_37_a_field_the_walk_cannot_see_is_found_in_the_rendered_text(
    settings: LazySettings,
) -> None:
    """EMI-37, OEDX-22: with DEBUG on, `{% debug %}` prints every value it is given without
    naming one; the test render gives each embargoed field a marker and finds it in the text."""
    settings.DEBUG = True
    problems = check("{{ key }}", "{% debug %}", kind=Kind.PRE_MERGE_NOTICE)
    assert problems[0].startswith(
        "body: the text shows {{ title }} under another name, and it names the report's title, "
        "which stays embargoed until the Release Date: a pre-merge notice goes public before it"
    )
    assert len(problems) == len(FIELDS) - len(ALLOWED[Kind.PRE_MERGE_NOTICE])
    assert check("{{ key }}", "{% debug %}", kind=Kind.RELEASE) == []


# Issue 8 "Bad input": a template that parses but cannot render is refused when saved, saying
# what failed, instead of failing every later change of the project's reports.
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "{{ key|divisibleby:2 }}",
            "body: rendering failed: ValueError: invalid literal for int() with base 10: "
            "'VITESS-12'; fix the template",
        ),
        ('{% url "x" %}', "body: rendering failed: NoReverseMatch: Reverse for 'x' not found"),
    ],
)
def test_a_template_that_fails_to_render_is_refused_when_saved(
    report: Report, body: str, problem: str
) -> None:
    with pytest.raises(TemplateProblem) as refused:
        save_template(report.project, Kind.RELEASE, subject="{{ key }}", body=body, actor=None)
    [found] = refused.value.problems
    assert found.startswith(problem), found
    assert found.endswith("; fix the template")
    assert not AnnouncementTemplate.objects.exists()


@pytest.mark.parametrize("body", ["{{ key|divisibleby:2 }}", '{% url "x" %}'])
def test_a_stored_template_that_fails_to_render_breaks_no_change_of_the_report(
    client: Client, report: Report, body: str
) -> None:
    """Stored before this check existed, or written by hand: setting the Release Date and a
    transition still work, the notice is listed not queued with why, and the preview shows
    what failed (issue 8, "Bad input"; VIT-21: the forthcoming-fix notice is owed at once)."""
    AnnouncementTemplate.objects.create(
        project=report.project, kind=Kind.FORTHCOMING_FIX, subject="{{ key }}", body=body
    )
    moved = schedule_release(
        report,
        datetime(2026, 12, 30, 16, tzinfo=UTC),
        reason="the fix needs a week more",
        actor=None,
        override=True,
    )
    assert moved.release_date == datetime(2026, 12, 30, 16, tzinfo=UTC)
    moved = transition(moved, State.TRIAGING, actor=None, reason="looking at it")
    assert moved.current_state == State.TRIAGING
    assert not moved.outbound_emails.filter(kind=Kind.FORTHCOMING_FIX).exists()
    events = AuditEvent.objects.filter(action="announcements.planned").order_by("seq")
    assert events.count() == 2
    for event in events:
        [why] = [w for w in event.data["not_queued"] if w.startswith("forthcoming_fix to ")]
        assert "body: rendering failed: " in why
        assert why.endswith("; fix the template")

    sign_in(client, make_member(report.project, make_user("alice")).user)
    page = client.get(f"{report.get_absolute_url()}?preview=forthcoming_fix")
    assert page.status_code == 200
    assert "The project's template cannot be used: body: rendering failed: " in (
        page.content.decode()
    )


def test_a_template_failing_only_on_the_reports_own_values_is_not_queued_saying_why(
    report: Report,
) -> None:
    """The sample severity ("high") renders, this report's ("critical") does not: the planner
    lists the notice not queued instead of failing the change that planned it."""
    save_template(
        report.project,
        Kind.FORTHCOMING_FIX,
        subject="{{ key }}",
        body="{% for a, b, c, d in severity.split %}{{ a }}{% endfor %}",
        actor=None,
    )
    moved = transition(report, State.TRIAGING, actor=None, reason="looking at it")
    assert moved.current_state == State.TRIAGING
    event = AuditEvent.objects.get(action="announcements.planned")
    [why] = event.data["not_queued"]
    assert why.startswith("forthcoming_fix to ")
    assert "body: rendering failed: ValueError: Need 4 values to unpack in for loop; got 8" in why
    with pytest.raises(TemplateProblem, match="body: rendering failed: ValueError"):
        preview(report, Kind.FORTHCOMING_FIX)
