from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = (
        "Run a task worker: sends, scheduled notices and git work. Run as many as you like, on "
        "as many machines: on PostgreSQL each claims tasks with SKIP LOCKED."
    )
