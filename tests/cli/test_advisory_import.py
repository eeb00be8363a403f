"""`vulndesk advisory import FILE --project SLUG`: a record elsewhere becomes a past report."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.advisories.examples import ADVISORY
from tests.advisories.test_parse import GHSA_RECORD
from tests.cli.helpers import vulndesk
from tests.desk.test_advisory_import import open_edx
from vulndesk.advisories import osv
from vulndesk.desk.models import Report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("project")]


@pytest.fixture
def project() -> None:
    open_edx()


def saved(tmp_path: Path, record: object) -> str:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return str(path)


def test_it_imports_an_osv_record_and_says_what_it_did_not_keep(tmp_path: Path) -> None:
    errors = io.StringIO()
    out = io.StringIO()
    call_command(
        "advisory", "import", saved(tmp_path, osv.render(ADVISORY)), "--project", "openedx",
        stdout=out, stderr=errors,
    )  # fmt: skip
    assert out.getvalue() == "CVE-2024-12345 imported as OPENEDX-1, published\n"
    assert errors.getvalue().startswith("not kept: $.affected[0]: commit ranges of ")
    exported = json.loads(vulndesk("advisory", "export", "OPENEDX-1", "--format", "osv"))
    assert exported["aliases"] == ["GHSA-2222-3333-4444"]
    assert exported["database_specific"]["cwe_ids"] == ["CWE-79"]


def test_it_tells_a_github_advisory_by_its_fields(tmp_path: Path) -> None:
    out = vulndesk("advisory", "import", saved(tmp_path, GHSA_RECORD), "--project", "openedx")
    assert out == "GHSA-2222-3333-4444 imported as OPENEDX-1, published\n"


def test_bad_input_is_refused_with_the_json_path_and_nothing_imported(tmp_path: Path) -> None:
    record = copy.deepcopy(GHSA_RECORD)
    record["vulnerabilities"][0]["first_patched_version"] = "3.1.1 final"
    record["cvss"]["vector_string"] = "CVSS:3.1/AV:N"
    with pytest.raises(CommandError) as refused:
        vulndesk("advisory", "import", saved(tmp_path, record), "--project", "openedx")
    message = str(refused.value)
    assert "- $.vulnerabilities[0].first_patched_version: '3.1.1 final' is not a version" in message
    assert "- $.cvss.vector_string: " in message
    assert message.endswith("nothing was imported")
    assert not Report.objects.exists()


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read it as JSON"):
        vulndesk("advisory", "import", str(path), "--project", "openedx", "--format", "osv")


def test_the_format_given_is_the_one_read(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"\$\.ghsa_id: missing"):
        vulndesk(
            "advisory", "import", saved(tmp_path, osv.render(ADVISORY)),
            "--project", "openedx", "--format", "ghsa",
        )  # fmt: skip
