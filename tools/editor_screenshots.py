"""PNGs of the routine editor (run under Xvfb): empty, mid-edit with a problem, the preview,
a pose with its figure, a pose with a figure its routine file draws itself.

The window is the app's own (``MainWindow``); the editor is driven through its page as a person
would leave it: a new routine with nothing in it yet, a copy of a built-in with a hold typed
past its limit (the message at the field, Save blocked), and a small routine of its own with
the preview filled in. The user folder is a scratch one: nothing is written to anyone's.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

scratch = tempfile.TemporaryDirectory(prefix="stretch-editor-shots-")
os.environ["XDG_DATA_HOME"] = scratch.name  # before the library reads where routines live

from stretch_desktop.core.clock import FakeClock  # noqa: E402
from stretch_desktop.library import load_library, user_routines_dir  # noqa: E402
from stretch_desktop.speech.speaker import NullSpeaker  # noqa: E402
from stretch_desktop.ui.app import make_application  # noqa: E402
from stretch_desktop.ui.main_window import MainWindow  # noqa: E402
from stretch_desktop.ui.preferences import LivePreferences  # noqa: E402
from stretch_desktop.ui.session_controller import SessionController  # noqa: E402
from stretch_desktop.ui.settings import UiPreferences  # noqa: E402
from stretch_desktop.ui.ticker import ManualTicker  # noqa: E402


def main(out: Path, size: tuple[int, int]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    controller = SessionController(FakeClock(1_000_000), NullSpeaker(), ManualTicker)
    library = load_library()
    window = MainWindow(controller, library.routines, LivePreferences(UiPreferences()))
    window.resize(*size)
    window.show()
    editor = window.editor_page
    window.dialogs.confirm = lambda title, question: True  # "Discard?" between the shots: yes

    def shoot(name: str) -> None:
        for _ in range(10):
            app.processEvents()
        image = window.screen().grabWindow(window.winId())
        if image.isNull():
            image = window.grab()
        path = out / f"{name}.png"
        image.save(str(path))
        print(path)

    window.choose_page.routine_list.setCurrentRow(0)
    window.new_routine()
    shoot("editor-1-new")

    window.editor_page.request_close()
    window.select_routine("toe-touch")
    window.edit_selected()
    editor.tabs.setCurrentIndex(2)
    editor.step_tree.setCurrentItem(editor.step_tree.topLevelItem(0))
    editor.step_amount.setFocus()
    editor.step_amount.lineEdit().selectAll()
    editor.step_amount.lineEdit().insert("900")
    shoot("editor-2-problem")

    window.editor_page.request_close()
    window.new_routine()
    editor.title_edit.setText("Desk break")
    editor.title_edit.textEdited.emit("Desk break")
    editor.add_pose()
    editor.pose_name.setText("Child's pose")
    editor.pose_name.textEdited.emit("Child's pose")
    editor.add_pose()
    editor.pose_name.setText("Neck stretch")
    editor.pose_name.textEdited.emit("Neck stretch")
    editor.pose_one_sided.setChecked(True)
    editor.pose_list.setCurrentRow(0)
    editor.add_step("hold")
    editor.pose_list.setCurrentRow(1)
    editor.add_step("sides")
    editor.add_step("hold")
    editor.step_lead_in.setText("Tilt your {side} ear toward your {side} shoulder.")
    editor.step_lead_in.textEdited.emit(editor.step_lead_in.text())
    shoot("editor-3-preview")

    editor.request_close()
    window.select_routine("seven-stretches-for-back-pain")
    window.edit_selected()
    editor.tabs.setCurrentIndex(1)
    editor.pose_list.setCurrentRow(2)
    shoot("editor-4-pose")

    # A routine that draws its own figure: the README's example, opened from the user's folder.
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    example = readme.split('[[poses]]\nid = "my-lunge"', 1)[1].split("```", 1)[0]
    own = user_routines_dir() / "own-lunge.toml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(
        'format = 1\nid = "own-lunge"\ntitle = "Own lunge"\nsource = "README"\n'
        '[[poses]]\nid = "my-lunge"'
        + example.replace('["…"]', '["Step one foot forward, back knee down."]')
        + '\n[[steps]]\nkind = "hold"\npose = "my-lunge"\nbreaths = 6\n'
    )
    editor.request_close()
    editor.open_file(own)
    window.pages.setCurrentWidget(editor)
    editor.tabs.setCurrentIndex(1)
    editor.pose_list.setCurrentRow(0)
    shoot("editor-5-own-figure")
    window.close()
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    # tools/editor_screenshots.py [FOLDER] [WIDTHxHEIGHT]
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    width, height = (int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "1280x800").split("x"))
    sys.exit(main(folder, (width, height)))
