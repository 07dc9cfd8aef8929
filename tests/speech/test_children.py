"""Children that die with the app (issue 15, defect 7), with real processes and real threads.

The kernel's PR_SET_PDEATHSIG follows the *thread* that forked: the first test shows that the
pitfall is real, the next that children asked for through ``children.spawn`` outlive the thread
that asked yet die with the process. No test sleeps or polls: they wait for a reply on a pipe or
for a process to end (a witness child killed when its thread ends, a pidfd becoming readable).
Linux only, as the request is.
"""

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading

from stretch_desktop.speech import children

ECHO = "import sys\nfor line in sys.stdin:\n    print(line, end='', flush=True)\n"


def echo_child(preexec):
    return subprocess.Popen(
        [sys.executable, "-c", ECHO],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=preexec,
    )  # fmt: skip


def in_a_thread_that_ends(start):
    """Run ``start()`` on a thread, and return once the kernel has finished with that thread.

    Joining is not enough: the thread's lock is released, and its tid cleared, before the
    kernel hands its children on and sends their death signals. So the thread first forks a
    witness that asks to die with it (the pitfall below); the kernel signals all of a thread's
    children in the one pass, so once the witness has been killed, whatever ``start()`` forked
    on this thread has been signalled too. The wait is for a process to end, not a poll.
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    result = []

    def run():
        result.append(echo_child(children.die_with(os.getpid(), prctl)))
        result.append(start())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    witness, made = result
    try:
        assert witness.wait(timeout=10) == -signal.SIGKILL, "the thread never ended"
    finally:
        end(witness)
    return made


def answers(child):
    try:
        child.stdin.write("ping\n")
        child.stdin.flush()
    except BrokenPipeError:
        return False
    return child.stdout.readline() == "ping\n"


def end(child):
    if child.poll() is None:
        child.kill()
    child.wait(timeout=10)
    for stream in (child.stdin, child.stdout):
        with contextlib.suppress(BrokenPipeError):
            stream.close()


def test_the_pitfall_pdeathsig_follows_the_thread_that_forked_not_the_process():
    """Asking for PR_SET_PDEATHSIG in a child forked from a worker thread: the child is killed
    when that thread ends, while the app runs on. Why children.spawn forks on a thread of its
    own."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    child = in_a_thread_that_ends(lambda: echo_child(children.die_with(os.getpid(), prctl)))
    try:
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        end(child)


def test_a_child_outlives_the_thread_that_asked_for_it():
    child = in_a_thread_that_ends(lambda: children.spawn(echo_child))
    try:
        assert answers(child), "killed when the speech thread that asked for it ended"
    finally:
        end(child)


APP = """
import sys, threading
from stretch_desktop.speech.children import spawn
import subprocess

def start():
    child = spawn(lambda preexec: subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(3600)"], preexec_fn=preexec))
    print(child.pid, flush=True)

thread = threading.Thread(target=start)
thread.start()
thread.join()
sys.stdin.readline()  # lives until killed
"""


def wait_gone(pid_fd, timeout):
    readable, _, _ = select.select([pid_fd], [], [], timeout)
    return bool(readable)


def test_a_child_dies_when_its_app_is_killed():
    app = subprocess.Popen(
        [sys.executable, "-c", APP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    pid_fd = None
    try:
        pid = int(app.stdout.readline())
        pid_fd = os.pidfd_open(pid)
        assert not wait_gone(pid_fd, 0), "the child runs while the app does"
        app.kill()
        assert wait_gone(pid_fd, 10), "the child outlived its app"
    finally:
        if pid_fd is not None:
            if not wait_gone(pid_fd, 0):
                signal.pidfd_send_signal(pid_fd, signal.SIGKILL)
            os.close(pid_fd)
        end(app)


def test_a_child_whose_app_died_before_it_asked_leaves_before_running(tmp_path):
    """The race: the app dies between fork and prctl, so the child's parent is already someone
    else. The pre-exec step sees it and the command never runs."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    marker = tmp_path / "ran"
    not_my_parent = os.getppid()  # any live pid other than the child's parent (this process)
    child = subprocess.Popen(
        [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"],
        preexec_fn=children.die_with(not_my_parent, prctl),
    )
    assert child.wait(timeout=10) == children._ORPHANED_EXIT
    assert not marker.exists()
