"""Report text is Markdown written by outsiders: render it, then sanitise what comes out."""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe


def render(text: str) -> SafeString:
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables"], output_format="html")
    # nh3 keeps a safe subset (no script, no event handlers, no javascript: links).
    return mark_safe(nh3.clean(html, link_rel="noopener noreferrer nofollow"))  # noqa: S308
