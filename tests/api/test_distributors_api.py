"""Distributor notices through /api/v1 (KAR-36, KAR-46): the security team reads every
organisation's state on a report at once, and an organisation answers its own notice.

The story of tests/desk/test_distributor_answers.py: Karmada, kim on its security team; Debian
(dora) and SUSE (sam) accepted the embargo terms, Red Hat (ruth) did not.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.conftest import Api, token_for
from tests.desk.test_distributor_answers import Story, make_story, notice_of, send
from vulndesk.accounts.models import TokenScope
from vulndesk.desk.models import AuditEvent, DistributorNotice

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def story() -> Story:
    return make_story()


def status_path(story: Story) -> str:
    return f"/reports/karmada/{story.report.number}/distributors"


def test_the_security_team_reads_every_organisations_state(story: Story) -> None:
    send(story)
    api = Api(token_for(story.sam))
    debian = notice_of(story, story.dora)
    answered = api.post(
        f"/notices/{notice_of(story, story.sam).pk}/answer",
        {"answer": "not_affected", "statement": "SLE ships 1.9"},
    )
    assert answered.status_code == 200, answered.json()
    response = Api(token_for(story.kim, TokenScope.READ)).get(status_path(story))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["embargo_ends_at"] == "2024-06-30T12:00:00+00:00"
    assert [(o["name"], o["status"], o["notice"]) for o in body["organisations"]] == [
        ("Debian", "not_read", debian.pk),
        ("Red Hat", "not_sent_terms_not_accepted", None),
        ("SUSE", "not_affected", notice_of(story, story.sam).pk),
    ]
    assert body["organisations"][2]["statement"] == "SLE ships 1.9"
    assert body["counts"]["not read yet"] == 1
    assert body["counts"]["not affected"] == 1


def test_only_those_who_triage_read_the_answers(story: Story) -> None:
    send(story)
    assert Api(token_for(story.dora)).get(status_path(story)).status_code == 404
    assert Api(None).get(status_path(story)).status_code == 401


def test_an_organisation_answers_only_its_own_notice(story: Story) -> None:
    send(story)
    dora = Api(token_for(story.dora))
    suse = notice_of(story, story.sam)
    response = dora.post(f"/notices/{suse.pk}/answer", {"answer": "affected", "statement": "x"})
    assert response.status_code == 404
    response = Api(token_for(story.kim)).post(
        f"/notices/{suse.pk}/answer", {"answer": "affected", "statement": "x"}
    )
    assert response.status_code == 403
    suse.refresh_from_db()
    assert suse.answer == ""


def test_a_bad_answer_is_refused_at_its_field_and_writes_nothing(story: Story) -> None:
    send(story)
    dora = Api(token_for(story.dora))
    path = f"/notices/{notice_of(story, story.dora).pk}/answer"
    response = dora.post(path, {"answer": "maybe", "statement": "x"})
    assert response.status_code == 422
    assert response.json()["field"] == "body.answer"
    response = dora.post(path, {"answer": "affected", "statement": "  "})
    assert response.status_code == 422
    assert response.json()["field"] == "body.statement"
    assert not AuditEvent.objects.filter(action="notice.answered").exists()
    assert DistributorNotice.objects.filter(answer="").count() == 2
