"""Comments: Markdown stored as written, served raw and sanitised."""

from tests.api.conftest import People
from vulndesk.desk.models import Comment

HOSTILE = "**Look** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=y>"


def test_a_comment_comes_back_as_written_and_rendered_without_script(people: People) -> None:
    response = people.dave.post("/reports/emissary/1/comments", {"body": HOSTILE})
    assert response.status_code == 201
    comment = response.json()
    assert comment["body"] == HOSTILE
    assert "<strong>Look</strong>" in comment["html"]
    for hostile in ("<script", "javascript:", "<img", "onerror"):
        assert hostile not in comment["html"]
    assert people.alice.get("/reports/emissary/1/comments").json() == [comment]


def test_an_empty_comment_is_a_422_on_body_body(people: People) -> None:
    response = people.alice.post("/reports/emissary/1/comments", {"body": "   "})
    assert response.status_code == 422
    assert response.json()["field"] == "body.body"
    assert not Comment.objects.exists()


def test_an_outsider_cannot_comment_or_read_comments(people: People) -> None:
    assert people.charlie.post("/reports/emissary/1/comments", {"body": "hi"}).status_code == 404
    assert people.charlie.get("/reports/emissary/1/comments").status_code == 404
    assert not Comment.objects.exists()
