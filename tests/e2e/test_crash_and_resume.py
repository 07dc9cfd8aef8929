"""A real app process killed mid-session, then launched again: nothing is lost.

The app runs offscreen with a short routine; the test follows its log on stderr (it waits for
lines, it never sleeps) and kills it with SIGKILL, as a crash or a power cut would.
"""


def crash_during_step_two(env, launch, history):
    app = launch("--routine", "e2e", "--start", "--mute")
    app.wait_for("journal: session 1, step 1 done")
    app.kill()
    (session,) = history(env)
    assert session["status"] == "interrupted"  # no live process holds it; on disk still running
    assert session["steps_done"] == 2
    return session


def test_a_killed_session_is_offered_for_resume_and_declining_marks_it_interrupted(
    env, launch, history
):
    crash_during_step_two(env, launch, history)
    app = launch("--resume", "no")
    app.wait_for("offering to resume session 1 at step 2")
    app.wait_for("session 1 marked interrupted")
    app.kill()
    (session,) = history(env)
    assert session["status"] == "interrupted"
    assert session["steps_done"] == 2
    assert session["ended_at"] is not None


def test_resuming_carries_on_the_same_session_at_the_interrupted_step(env, launch, history):
    crash_during_step_two(env, launch, history)
    app = launch("--resume", "yes", "--mute")
    app.wait_for("resumed session 1 at step 2")
    (session,) = history(env)
    assert session["status"] == "running"  # the same session, held again by the app resuming it
    assert session["steps_done"] == 2
    app.kill()


def test_asking_shows_the_offer(env, launch, history):
    crash_during_step_two(env, launch, history)
    app = launch()  # --resume ask: the question is on screen, waiting for the person
    app.wait_for("offering to resume session 1 at step 2")
    app.kill()
