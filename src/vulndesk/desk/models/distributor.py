"""Distributors: organisations on a project's private list, and the notices addressed to them.

A distributor's people see the notices sent to their organisation and nothing else of a report.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Distributor(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text="where notices to this organisation go")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="distributors"
    )

    def __str__(self) -> str:
        return self.name


class DistributorNotice(models.Model):
    report = models.ForeignKey(
        "desk.Report", on_delete=models.PROTECT, related_name="distributor_notices"
    )
    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT, related_name="notices")
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown: what the organisation may know, and by when")
    sent_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.subject} → {self.distributor}"
