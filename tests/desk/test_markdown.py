"""Report text is rendered from Markdown and sanitised; it can carry no tracker."""

from vulndesk.desk.markdown import render


def test_a_remote_image_is_dropped_so_no_tracker_sees_who_reads_an_embargoed_report() -> None:
    html = render("Look: ![pixel](https://tracker.example/p.png) and <img src=https://t.example/x>")
    assert "<img" not in html
    assert "tracker.example" not in html
    assert "Look:" in html


def test_markdown_still_renders_emphasis_lists_and_code() -> None:
    html = render("**bold**\n\n- one\n- two\n\n```\n<b>x</b>\n```")
    assert "<strong>bold</strong>" in html
    assert "<li>one</li>" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
