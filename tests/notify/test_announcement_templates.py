"""Announcement templates per project: defaults for each kind, a project's own text, and a
template naming a field the report does not have refused when saved and when previewed, never
at send time (issue 8, "Bad input")."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import Affect, AuditEvent, Project, Report
from vulndesk.notify.announcements import (
    DEFAULTS,
    FIELDS,
    TemplateProblem,
    check,
    preview,
    save_template,
)
from vulndesk.notify.models import AnnouncementTemplate, OutboundEmail

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
