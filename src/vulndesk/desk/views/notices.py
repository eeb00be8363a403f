"""Distributor notices: an organisation reads what it was sent, and says it has read it."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import AnyUser, can_acknowledge_notice, notices_visible_to
from vulndesk.desk.models import DistributorNotice
from vulndesk.desk.services.notices import acknowledge_notice
from vulndesk.desk.views.common import acting_user


def get_notice_for_user(user: AnyUser, pk: int) -> DistributorNotice:
    notices = notices_visible_to(user).select_related("distributor", "acknowledged_by")
    return get_object_or_404(notices, pk=pk)


@login_required
@never_cache
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = (
        notices_visible_to(request.user)
        .select_related("distributor")
        .order_by("-sent_at", "-pk")[:500]
    )
    return render(request, "desk/notice_list.html", {"notices": notices})


@login_required
@never_cache
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_user(request.user, pk)
    context = {"notice": notice, "can_acknowledge": can_acknowledge_notice(request.user, notice)}
    return render(request, "desk/notice_detail.html", context)


@login_required
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_user(request.user, pk)
    if not can_acknowledge_notice(request.user, notice):
        raise PermissionDenied("Only the organisation the notice is addressed to acknowledges it.")
    acknowledge_notice(notice, actor=acting_user(request))
    return redirect("notice-detail", pk=notice.pk)
