"""The official schemas the advisory renderers are checked against.

OSV's schema lives beside the project (../shared/schemas/osv/schema.json); CI always has it, so
there a missing file fails the run instead of skipping every OSV conformance test. CVE JSON 5
comes with `cvelib`, CVE Services' own client; CSAF 2.0 with `csaf`, whose validator also runs
the standard's mandatory tests (6.1), the VEX profile's among them.
"""

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from csaf.csaf.v20 import validate as validate_csaf
from cvelib.cve_api import CveRecord

ROOT = Path(__file__).resolve().parents[2]
OSV_SCHEMA = ROOT.parent / "shared" / "schemas" / "osv" / "schema.json"


@cache
def _osv_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(OSV_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def osv_validator() -> jsonschema.Draft202012Validator:
    if not OSV_SCHEMA.is_file():
        missing = f"the OSV schema is missing: expected it at {OSV_SCHEMA}"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return _osv_validator()


def osv_errors(record: dict[str, Any]) -> list[str]:
    """Every way `record` breaks the OSV schema, with the JSON path of each."""
    return [f"{e.json_path}: {e.message}" for e in osv_validator().iter_errors(record)]


@cache
def _cve_validators() -> tuple[jsonschema.Draft7Validator, jsonschema.Draft7Validator]:
    def load(path: str) -> jsonschema.Draft7Validator:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
        return jsonschema.Draft7Validator(
            schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )

    return load(CveRecord.Schemas.V5_SCHEMA), load(CveRecord.Schemas.CNA_PUBLISHED)


def cve_errors(record: dict[str, Any]) -> list[str]:
    """Every way `record` breaks the CVE JSON 5 record schema, and its CNA container the
    published-container schema CVE Services checks on submission."""
    whole, container = _cve_validators()
    errors = [f"{e.json_path}: {e.message}" for e in whole.iter_errors(record)]
    cna = record.get("containers", {}).get("cna", {})
    errors += [f"cna{e.json_path[1:]}: {e.message}" for e in container.iter_errors(cna)]
    return errors


def csaf_errors(document: dict[str, Any]) -> list[str]:
    """Every way `document` breaks the CSAF 2.0 schema or a mandatory test, each with the test's
    number and the JSON pointer; a test the validator skips counts as an error, so an
    unimplemented one cannot pass unseen."""
    report = validate_csaf(document, preset="mandatory")
    errors = [f"{r.id} skipped" for r in report.results if r.skipped]
    errors += [
        f"{r.id} {e.instance_path}: {e.message}"
        for r in report.results
        if not r.passed and not r.skipped
        for e in r.errors
    ]
    return errors
