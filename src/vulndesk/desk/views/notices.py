"""Distributor notices: an organisation reads what it was sent on its own page, says it has
read it, and answers whether it is affected."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import AnyUser, can_acknowledge_notice, notices_visible_to
from vulndesk.desk.distributor_forms import AnswerForm
from vulndesk.desk.models import DistributorNotice
from vulndesk.desk.services.distributors import DistributorError
from vulndesk.desk.services.notices import acknowledge_notice, answer_notice, mark_read
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.projects import add_field_errors


def get_notice_for_user(user: AnyUser, pk: int) -> DistributorNotice:
    notices = notices_visible_to(user).select_related(
        "distributor", "acknowledged_by", "answered_by", "report__project"
    )
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


def notice_page(
    request: HttpRequest, notice: DistributorNotice, form: AnswerForm | None = None
) -> HttpResponse:
    status = 200 if form is None else 400
    if form is None:
        initial = {"answer": notice.answer, "statement": notice.statement}
        form = AnswerForm(initial=initial, auto_id="answer_%s")
    context = {
        "notice": notice,
        "can_acknowledge": can_acknowledge_notice(request.user, notice),
        "answer_form": form,
    }
    return render(request, "desk/notice_detail.html", context, status=status)


@login_required
@never_cache
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_user(request.user, pk)
    if can_acknowledge_notice(request.user, notice):
        # The organisation looked: from now on it is "read, no answer", never "not read".
        mark_read(notice)
    return notice_page(request, notice)


@login_required
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_user(request.user, pk)
    if not can_acknowledge_notice(request.user, notice):
        raise PermissionDenied("Only the organisation the notice is addressed to acknowledges it.")
    acknowledge_notice(notice, actor=acting_user(request))
    return redirect("notice-detail", pk=notice.pk)


@login_required
@require_POST
def notice_answer(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_user(request.user, pk)
    if not can_acknowledge_notice(request.user, notice):
        raise PermissionDenied("Only the organisation the notice is addressed to answers it.")
    form = AnswerForm(request.POST, auto_id="answer_%s")
    if form.is_valid():
        try:
            answer_notice(notice, **form.cleaned_data, actor=acting_user(request))
        except DistributorError as exc:
            add_field_errors(form, exc)
        else:
            messages.success(request, "Your answer is with the security team.")
            return redirect("notice-detail", pk=notice.pk)
    return notice_page(request, notice, form)
