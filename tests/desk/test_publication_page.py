"""Publishing from the report page: while a publication guard fails the page offers no plain
"Publish" but the failing guards, and "Publish anyway" (a reason required) to those who may
override them; a published advisory is revised or withdrawn there, its history shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.desk.cast import Cast, make_cast
from tests.desk.report_page import events, fresh, post, sign_in, url
from vulndesk.desk.models import Report, StateChoices
from vulndesk.desk.services import publication
from vulndesk.desk.services.transitions import transition

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    cast = make_cast()
    Report.objects.filter(pk=cast.crash.pk).update(
        state=StateChoices.RELEASED, release_date=T0 + timedelta(days=1)
    )
    cast.crash.refresh_from_db()
    return cast


def page(client: Client, cast: Cast) -> str:
    response = client.get(url("report-detail", cast.crash))
    assert response.status_code == 200
    return response.content.decode()


def publish_anyway(client: Client, user: User, report: Report, **reason: str) -> Any:
    """Press "Publish anyway" on the report page as `user`, with `reason` if given."""
    data = {"target": "published", "force": "True", **reason}
    return post(client, user, "report-transition", report, data)


def test_a_blocked_publish_shows_the_guard_and_publish_anyway_to_the_security_team(
    client: Client, cast: Cast
) -> None:
    sign_in(client, cast.alice)
    html = page(client, cast)
    assert 'value="published">Publish</button>' not in html
    assert "cannot publish: embargo: the embargo lasts until the Release Date" in html
    assert ">Publish anyway</button>" in html


def test_the_fix_lead_sees_the_failing_guard_but_no_publish_anyway(
    client: Client, cast: Cast
) -> None:
    sign_in(client, cast.bob)
    html = page(client, cast)
    assert "cannot publish: embargo" in html
    assert "Publish anyway" not in html


def test_publish_anyway_without_a_reason_is_refused_next_to_the_field(
    client: Client, cast: Cast
) -> None:
    response = publish_anyway(client, cast.alice, cast.crash)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert fresh(cast.crash).published_at is None


def test_publish_anyway_with_a_reason_publishes_and_audits_the_override(
    client: Client, cast: Cast
) -> None:
    response = publish_anyway(client, cast.alice, cast.crash, reason="Exploited in the wild.")
    assert response.status_code == 302
    assert response["Location"].endswith("#state")
    report = fresh(cast.crash)
    assert report.published_at == T0
    event = report.audit_events.latest("seq")
    assert (event.data["forced"], event.data["reason"]) == (True, "Exploited in the wild.")


def test_the_fix_lead_may_not_publish_anyway(client: Client, cast: Cast) -> None:
    response = publish_anyway(client, cast.bob, cast.crash, reason="Exploited.")
    assert response.status_code == 403
    assert fresh(cast.crash).published_at is None


def test_a_published_advisory_is_revised_and_withdrawn_from_the_page(
    client: Client, cast: Cast
) -> None:
    published = transition(
        cast.crash, "published", actor=cast.alice, force=True, reason="Exploited."
    )
    revised = post(
        client, cast.alice, "report-advisory-revise", published, {"summary": "Added the CWE."}
    )
    assert revised.status_code == 302
    assert revised["Location"].endswith("#advisory-history")
    withdrawn = post(
        client,
        cast.alice,
        "report-advisory-withdraw",
        fresh(published),
        {"reason": "Not a vulnerability."},
    )
    assert withdrawn.status_code == 302
    html = page(client, cast)
    assert "<strong>Withdrawn</strong> on 2024-03-01: Not a vulnerability." in html
    assert "2024-03-01 10:00 UTC: Added the CWE." in html
    assert "Withdraw the advisory</button>" not in html  # once is final
    assert events(published)[-2:] == ["advisory.revised", "advisory.withdrawn"]
    assert publication.revision_history(fresh(published))[-1].number == 3


def test_a_withdrawal_without_a_reason_is_refused_and_nothing_changes(
    client: Client, cast: Cast
) -> None:
    published = transition(
        cast.crash, "published", actor=cast.alice, force=True, reason="Exploited."
    )
    response = post(client, cast.alice, "report-advisory-withdraw", published, {"reason": " "})
    assert response.status_code == 400
    assert fresh(published).withdrawn_at is None
