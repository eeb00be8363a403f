"""The Atom feed of published advisories, overall and per project (newest first).

An entry's id is its advisory page's address, which never changes once published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from vulndesk.desk.markdown import render as render_markdown
from vulndesk.desk.models import Project, Report
from vulndesk.desk.views.public import project_or_404, published

# A feed reader wants what is new; older advisories are on the paged list and in the OSV feed.
FEED_SIZE = 50


@dataclass(frozen=True)
class Scope:
    project: Project | None
    advisories: QuerySet[Report]


class AdvisoryFeed(Feed[Report, Scope]):
    feed_type = Atom1Feed
    language = "en"
    author_name = "vulndesk"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Scope:
        chosen = project_or_404(kwargs.get("project"))
        return Scope(chosen, published(request, chosen))

    def title(self, scope: Scope) -> str:
        if scope.project is None:
            return "Security advisories"
        return f"{scope.project.name} security advisories"

    def link(self, scope: Scope) -> str:
        if scope.project is None:
            return reverse("advisory-list")
        return f"{reverse('advisory-list')}?project={scope.project.slug}"

    def feed_url(self, scope: Scope) -> str:
        if scope.project is None:
            return reverse("advisory-atom-feed")
        return reverse("project-atom-feed", kwargs={"project": scope.project.slug})

    def subtitle(self, scope: Scope) -> str:
        return "Published security advisories, newest first."

    def items(self, scope: Scope) -> list[Report]:
        return list(scope.advisories[:FEED_SIZE])

    def item_title(self, item: Report) -> str:
        named = f"{item.cve_id} ({item.key})" if item.cve_id else item.key
        withdrawn = " (withdrawn)" if item.withdrawn_at else ""
        return f"{named}: {item.title}{withdrawn}"

    def item_description(self, item: Report) -> str:
        # A reader that saw the advisory must learn it no longer stands, and why.
        details = render_markdown(item.description)
        if item.withdrawn_at is None:
            return str(details)
        notice = format_html(
            "<p><strong>Withdrawn</strong> on {}: {}</p>",
            item.withdrawn_at.date().isoformat(),
            item.withdrawn_reason,
        )
        return str(notice + details)

    def item_link(self, item: Report) -> str:
        return reverse(
            "advisory-detail", kwargs={"project": item.project.slug, "number": item.number}
        )

    def item_pubdate(self, item: Report) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Report) -> datetime:
        return max(filter(None, (item.updated_at, item.published_at, item.withdrawn_at)))

    def item_categories(self, item: Report) -> list[str]:
        severity = item.effective_severity
        return [item.project.name, *([f"severity:{severity}"] if severity else [])]
