from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from vulndesk.desk.services import fix_repo
from vulndesk.notify.tasks import recover_interrupted


class Command(DatabaseWorker):
    help = (
        "Run a task worker: sends, scheduled notices and git work. Run as many as you like, on "
        "as many machines: on PostgreSQL each claims tasks with SKIP LOCKED."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # A worker killed mid-run left its test run "running"; the next one to start says so.
        fix_repo.recover_abandoned_runs()
        # A message whose worker was killed mid-send is owed a new delivery task.
        recover_interrupted()
        super().handle(*args, **options)
