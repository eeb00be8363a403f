"""Work that runs on `vulndesk worker`, not in a request: the request only records the intent."""

from django.db import transaction
from django_tasks import task

from vulndesk.desk.models import Project, Report
from vulndesk.desk.services import backports, deadlines, fix_repo


@task()
def redate_project_deadlines(project_id: int) -> int:
    """After a project's policy changed: redate every open report, one transaction each, so a
    project with thousands of reports never holds one long lock. Safe to run twice."""
    project = Project.objects.get(pk=project_id)
    redated = 0
    for report_id in deadlines.open_report_ids(project):
        with transaction.atomic():
            deadlines.refresh(Report.objects.locked(report_id))
        redated += 1
    return redated


@task()
def run_test_run(run_id: int) -> str:
    """Run a fix branch's queued test run in a clean worktree (OEDX-19); safe to run twice."""
    return fix_repo.execute_test_run(run_id)


@task()
def run_backport_job(backport_id: int, actor_id: int | None) -> str:
    """Plan, dry-run or execute a report's backport, as queued from the web or the API."""
    return backports.run_job(backport_id, actor_id)
