"""`vulndesk worker`: task workers alone.

vulndesk defines no task yet (sends, notices and git work are to come), so there is nothing real
to enqueue; what is shown is that a batch worker drains the empty queue and exits cleanly.
"""

from tests.cli.helpers import run_process


def test_a_batch_worker_drains_the_queue_and_exits_0(demo_env: dict[str, str]) -> None:
    done = run_process(demo_env, "worker", "--batch")
    assert done.returncode == 0, done.stderr
    assert "No more tasks to run" in done.stderr


def test_a_worker_before_init_says_to_run_init(env: dict[str, str]) -> None:
    done = run_process(env, "worker", "--batch")
    assert done.returncode == 1
    assert "Run `vulndesk init`" in done.stderr
