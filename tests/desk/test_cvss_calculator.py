"""The CVSS calculator: metric groups for 3.1 and 4.0, a vector field, and a live score that is
always the `cvss` library's (the browser only writes the vector)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cvss import CVSS3, CVSS4, constants3, constants4
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.desk.cast import Cast, make_cast
from tests.desk.report_page import add_to_fix_team, events, fresh, post, sign_in, url
from tests.desk.test_report_detail import executable_markup
from vulndesk.desk.forms import CVSS_METRICS, QUESTIONNAIRE, CvssForm, metrics_of
from vulndesk.desk.services.reports import TRIAGE_EXTRAS
from vulndesk.process.lifecycle import TRIAGE_FIELDS

pytestmark = pytest.mark.django_db

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def preview(client: Client, cast: Cast, vector: str) -> tuple[int, str]:
    sign_in(client, cast.alice)
    response = client.get(url("report-cvss-preview", cast.crash), {"vector": vector})
    return response.status_code, response.content.decode()


# -- the live score -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "parsed"),
    [(V31, CVSS3(V31)), (V40, CVSS4(V40)), ("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", None)],
)
def test_the_preview_is_the_librarys_score(
    client: Client, cast: Cast, vector: str, parsed: CVSS3 | CVSS4 | None
) -> None:
    status, html = preview(client, cast, vector)
    library = parsed or CVSS3(vector)
    assert status == 200
    assert f'<span class="score">{float(library.base_score):.1f}</span>' in html
    assert f'<code class="vector">{library.clean_vector()}</code>' in html
    assert html.startswith('<output id="cvss-preview"')  # a partial for htmx, not a page


def test_the_preview_names_the_bad_metric(client: Client, cast: Cast) -> None:
    status, html = preview(client, cast, V40.replace("AT:N", "AT:Q"))
    # An answer, not a failure: the panel shows the problem, and htmx swaps only 2xx answers.
    assert status == 200
    assert "AT:Q" in html
    assert '<span class="error">' in html


def test_the_preview_of_nothing_is_a_hint(client: Client, cast: Cast) -> None:
    assert "Type a vector or choose the metrics" in preview(client, cast, "")[1]


def test_the_preview_writes_nothing(client: Client, cast: Cast) -> None:
    preview(client, cast, V40)
    assert fresh(cast.crash).cvss_vector == ""
    assert events(cast.crash) == ["report.created"]


def test_who_may_preview(client: Client, cast: Cast) -> None:
    path = url("report-cvss-preview", cast.crash)
    assert client.get(path, {"vector": V40}).status_code == 302
    sign_in(client, cast.charlie)
    assert client.get(path, {"vector": V40}).status_code == 404
    sign_in(client, add_to_fix_team(cast.crash))
    assert client.get(path, {"vector": V40}).status_code == 403
    assert client.post(path, {"vector": V40}).status_code == 405


# -- the calculator on the page -----------------------------------------------------------------


def page(client: Client, cast: Cast) -> str:
    sign_in(client, cast.alice)
    return client.get(cast.crash.get_absolute_url()).content.decode()


def test_it_offers_every_base_metric_the_library_scores(client: Client, cast: Cast) -> None:
    html = page(client, cast)
    for version, constants in (("31", constants3), ("40", constants4)):
        for metric in constants.METRICS_MANDATORY:
            for value in constants.METRICS_VALUE_NAMES[metric]:
                assert f'name="v{version}_{metric}" value="{value}"' in html
    assert '<label for="cvss_vector">CVSS vector</label>' in html
    assert '<button type="submit" name="action" value="preview">Preview</button>' in html
    assert '<button type="submit" name="action" value="save">Save score</button>' in html


def test_the_field_asks_the_server_for_the_score_as_you_type(client: Client, cast: Cast) -> None:
    html = page(client, cast)
    assert f'hx-get="{url("report-cvss-preview", cast.crash)}"' in html
    assert 'hx-target="#cvss-preview"' in html


def test_the_page_runs_no_inline_script_or_style(client: Client, cast: Cast) -> None:
    html = page(client, cast)
    assert executable_markup(html) == []
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('src="/static/' in attrs for attrs in scripts)
    assert '<script src="/static/desk/cvss.js" defer></script>' in html
    assert finders.find("desk/cvss.js")
    assert finders.find("desk/report.css")


def test_the_script_writes_the_vector_and_computes_no_score() -> None:
    found = finders.find("desk/cvss.js")
    assert isinstance(found, str)
    script = Path(found).read_text()
    assert "field.value = `CVSS:" in script
    assert "Math." not in script
    assert "base_score" not in script


def test_the_metric_group_of_the_stored_vector_opens_checked(client: Client, cast: Cast) -> None:
    post(client, cast.alice, "report-score", cast.crash, {"vector": V31, "action": "save"})
    html = page(client, cast)
    assert '<details class="metrics" open>\n    <summary>CVSS 3.1 base metrics' in html
    assert 'name="v31_S" value="U" data-cvss-metric="S" id="cvss_v31_S_1" checked' in html


# -- building a vector from the radios, without JavaScript ---------------------------------------


@pytest.mark.parametrize(("version", "vector"), [("3.1", V31), ("4.0", V40)])
def test_build_makes_the_vector_from_the_chosen_metrics(
    client: Client, cast: Cast, version: str, vector: str
) -> None:
    radios = metrics_of(vector)
    data = {**radios, "vector": "", "action": f"build-{version}"}
    response = post(client, cast.alice, "report-score", cast.crash, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="vector" id="cvss_vector" value="{vector}"' in html
    assert f'<code class="vector">{vector}</code>' in html
    assert fresh(cast.crash).cvss_vector == ""


def test_build_names_each_metric_left_unchosen(client: Client, cast: Cast) -> None:
    radios = metrics_of(V40)
    del radios["v40_AT"], radios["v40_SA"]
    response = post(
        client, cast.alice, "report-score", cast.crash, {**radios, "action": "build-4.0"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "choose the Attack Requirement to build a CVSS 4.0 vector" in html
    assert "choose the Subsequent System Impact Availability to build" in html


def test_the_radios_follow_the_vector() -> None:
    form = CvssForm(version=1, vector=V40)
    assert form["v40_VC"].value() == "H"
    assert form["v31_AV"].value() is None
    assert metrics_of("CVSS:3.0/AV:P") == {"v31_AV": "P"}
    assert metrics_of("AV:N") == {}
    assert set(CVSS_METRICS) == {"3.1", "4.0"}


def test_the_questionnaire_asks_every_answer_triage_records() -> None:
    assert set(QUESTIONNAIRE) == {*TRIAGE_FIELDS, *TRIAGE_EXTRAS}
    assert len(QUESTIONNAIRE) == len(set(QUESTIONNAIRE))


def test_the_calculator_is_reachable_by_name() -> None:
    assert reverse("report-cvss-preview", kwargs={"project": "emissary", "number": 2}) == (
        "/reports/emissary/2/cvss-preview/"
    )
