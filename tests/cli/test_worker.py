"""`vulndesk worker`: task workers alone, as their own processes."""

from tests.cli.helpers import run_process

ENQUEUE = (
    "from vulndesk.desk.models import Project; "
    "from vulndesk.desk.tasks import redate_project_deadlines as task; "
    "print(task.enqueue(Project.objects.get(slug='vitess').pk).id)"
)


def test_a_batch_worker_runs_what_was_enqueued_and_exits_0(demo_env: dict[str, str]) -> None:
    enqueued = run_process(demo_env, "shell", "-c", ENQUEUE)
    assert enqueued.returncode == 0, enqueued.stderr
    task_id = enqueued.stdout.split()[-1]  # after what the shell says of its imports
    done = run_process(demo_env, "worker", "--batch", "--no-startup-delay")
    assert done.returncode == 0, done.stderr
    assert f"Task id={task_id}" in done.stderr
    assert "state=SUCCESSFUL" in done.stderr
    assert "No more tasks to run" in done.stderr


def test_a_worker_before_init_says_to_run_init(env: dict[str, str]) -> None:
    done = run_process(env, "worker", "--batch")
    assert done.returncode == 1
    assert "Run `vulndesk init`" in done.stderr
