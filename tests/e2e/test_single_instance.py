"""A second launch hands its routine to the running window and exits; nothing runs twice."""

import subprocess
import sys


def test_a_second_launch_hands_over_its_routine_and_exits(env, launch):
    first = launch()
    first.wait_for("listening for other launches")
    second = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "--routine", "toe-touch", "--start", "--mute"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 0
    assert "already running" in second.stdout
    line = first.wait_for("another launch asked for")
    assert "'routine': 'toe-touch'" in line
    assert "'start': True" in line
    first.wait_for("journal: session 1 started (toe-touch)")  # it started the routine handed over
    first.kill()


def test_a_socket_left_by_a_crashed_app_is_replaced(launch):
    crashed = launch()
    crashed.wait_for("listening for other launches")
    crashed.kill()  # SIGKILL: its socket file stays behind
    again = launch()
    again.wait_for("listening for other launches")
    again.kill()
