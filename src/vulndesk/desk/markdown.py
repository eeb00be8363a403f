"""Report text is Markdown written by outsiders: render it, then sanitise what comes out."""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

# No images: a remote image in an embargoed report would tell its author who read it, when,
# and from where.
ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img"}


def render(text: str) -> SafeString:
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables"], output_format="html")
    # nh3 keeps a safe subset (no script, no event handlers, no javascript: links).
    clean = nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer nofollow")
    return mark_safe(clean)  # noqa: S308
