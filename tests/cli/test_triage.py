"""`vulndesk triage`: the questionnaire FOLIO asks before a report is accepted, from the shell."""

import pytest
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_project, make_report
from vulndesk.desk.models import AuditEvent, Report

pytestmark = pytest.mark.django_db

ANSWERS = [
    "--scope", "system_wide", "--layer", "backend", "--domain", "software",
    "--pii-exposed", "yes", "--privilege-escalation", "no",
    "--affected-versions", "Poppy, Quesnelia", "--reproduced", "no", "--evidence", "code_review",
    "--blast-radius", "every tenant of a hosted FOLIO",
]  # fmt: skip


def test_folio_16_to_24_a_report_is_accepted_once_the_questionnaire_is_answered() -> None:
    make_report(make_project("folio", preset="folio"))
    vulndesk("report", "transition", "FOLIO-1", "triaging")
    with pytest.raises(CommandError, match="triage is missing blast_radius, reproduced, scope"):
        vulndesk("report", "transition", "FOLIO-1", "accepted")
    data = vulndesk_json("triage", "FOLIO-1", *ANSWERS)
    assert data["audit"][-1]["action"] == "report.triaged"
    assert data["audit"][-1]["data"]["pii_exposed"] is True
    # FOLIO-17: a code review is evidence enough, no proof of concept needed.
    assert vulndesk_json("report", "transition", "FOLIO-1", "accepted")["state"] == "accepted"


def test_folio_18_a_report_that_may_become_exploitable_cannot_be_rejected() -> None:
    make_report(make_project("folio", preset="folio"))
    vulndesk("report", "transition", "FOLIO-1", "triaging")
    vulndesk("triage", "FOLIO-1", "--may-become-exploitable", "yes")
    with pytest.raises(CommandError, match="FOLIO-18"):
        vulndesk("report", "transition", "FOLIO-1", "rejected")
    assert Report.objects.get().state == "triaging"


def test_a_duplicate_names_the_report_it_repeats() -> None:
    project = make_project("emissary", preset="envoy")
    make_report(project)
    make_report(project)
    vulndesk("report", "transition", "EMISSARY-2", "triaging")
    vulndesk("triage", "EMISSARY-2", "--duplicate-of", "EMISSARY-1")
    data = vulndesk_json("report", "transition", "EMISSARY-2", "duplicate")
    assert data["state"] == "duplicate"


def test_triage_without_answers_or_with_a_bad_one_changes_nothing() -> None:
    make_report(make_project("folio", preset="folio"))
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="give at least one answer"):
        vulndesk("triage", "FOLIO-1")
    with pytest.raises(CommandError, match="invalid choice: 'everywhere'"):
        vulndesk("triage", "FOLIO-1", "--scope", "everywhere")
    assert AuditEvent.objects.count() == events


def test_free_text_answers_stay_as_written_even_when_they_read_yes_or_no() -> None:
    make_report(make_project("folio", preset="folio"))
    vulndesk("triage", "FOLIO-1", "--mitigation", "no", "--affected-versions", "yes")
    report = Report.objects.get()
    assert (report.mitigation, report.affected_versions) == ("no", "yes")
