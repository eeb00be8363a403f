"""The API's docs page and OpenAPI document: served from our own origin under a strict CSP,
and the committed openapi.json matches the code."""

import json
from html.parser import HTMLParser

from django.test import Client

from vulndesk.api.openapi import DOCUMENT, REFRESH_COMMAND, document


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.inline_styles = 0
        self._script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes:
            self.inline_styles += 1
        if tag == "style":
            self.inline_styles += 1
        if tag == "script":
            if attributes.get("src"):
                self.urls.append(str(attributes["src"]))
            else:
                self._script_type = attributes.get("type") or "text/javascript"
        if tag == "link" and attributes.get("href"):
            self.urls.append(str(attributes["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_type is not None:
            self.inline_scripts.append(self._script_type)
            self._script_type = None


def test_the_docs_page_loads_every_script_and_style_from_our_own_static_files(
    client: Client,
) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assets = Assets()
    assets.feed(response.content.decode())
    assert any(url.endswith(".js") for url in assets.urls)
    assert any(url.endswith(".css") for url in assets.urls)
    assert all(url.startswith("/static/") for url in assets.urls), assets.urls
    # Swagger UI's settings travel as JSON data, which a browser never runs.
    assert assets.inline_scripts == ["application/json"]
    assert assets.inline_styles == 0


def test_the_schema_is_served_at_a_stable_url(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/reports" in response.json()["paths"]


def test_the_committed_openapi_document_matches_the_api() -> None:
    assert DOCUMENT.read_text() == document(), (
        f"src/vulndesk/api/openapi.json is out of date with the API: run `{REFRESH_COMMAND}` "
        "and commit the result"
    )


def test_every_operation_documents_the_refusals_it_can_send() -> None:
    schema = json.loads(DOCUMENT.read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert "401" in documented, (method, path)
            if method != "get":
                assert {"400", "403", "404", "409", "413", "422"} <= documented, (method, path)
