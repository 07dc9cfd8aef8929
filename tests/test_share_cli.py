"""``stretch-desktop export`` and ``import`` as a person runs them: real processes, exit codes."""

import json
import subprocess
import sys
from importlib import resources


def cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "stretch_desktop", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def builtin_bytes(name):
    return (resources.files("stretch_desktop") / "resources" / "routines" / name).read_bytes()


def test_export_copies_the_file_as_written_and_import_with_a_new_id_adds_it(env, tmp_path):
    shared = tmp_path / "shared" / "toe.toml"
    shared.parent.mkdir()
    done = cli(env, "export", "toe-touch", str(shared))
    assert done.returncode == 0, done.stderr
    assert shared.read_bytes() == builtin_bytes("toe-touch.toml")

    clash = cli(env, "import", str(shared))
    assert clash.returncode == 1
    assert clash.stderr.splitlines() == [
        "stretch-desktop: a routine with the id 'toe-touch' already exists; import it with --id NEW"
    ]

    done = cli(env, "import", str(shared), "--id", "my-toe")
    assert done.returncode == 0, done.stderr
    listed = json.loads(cli(env, "routines", "--json").stdout)
    assert [row["id"] for row in listed].count("my-toe") == 1
    copy = tmp_path / "data" / "stretch-desktop" / "routines" / "my-toe.toml"
    before, after = builtin_bytes("toe-touch.toml").decode(), copy.read_text()
    changed = [
        pair
        for pair in zip(before.splitlines(), after.splitlines(), strict=True)
        if pair[0] != pair[1]
    ]
    assert changed == [('id = "toe-touch"', 'id = "my-toe"')]  # comments and order untouched


def test_import_of_a_bad_file_prints_checks_lines_and_copies_nothing(env, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 1\nid = "bad"\ntitle = "Bad"\n')
    done = cli(env, "import", str(bad))
    checked = cli(env, "check", str(bad))
    assert done.returncode == 1 and checked.returncode == 1
    assert done.stderr == checked.stderr and done.stderr.strip()
    assert not (tmp_path / "data" / "stretch-desktop" / "routines" / "bad.toml").exists()
    missing = cli(env, "import", str(tmp_path / "nowhere.toml"))
    assert missing.returncode == 1 and len(missing.stderr.splitlines()) == 1
    assert "Traceback" not in missing.stderr


def test_export_of_an_unknown_routine_or_to_an_unwritable_place_is_one_line(env, tmp_path):
    unknown = cli(env, "export", "no-such-routine", str(tmp_path / "x.toml"))
    assert unknown.returncode == 1 and len(unknown.stderr.splitlines()) == 1
    nowhere = cli(env, "export", "toe-touch", str(tmp_path / "missing" / "deeper" / "x.toml"))
    assert nowhere.returncode == 0  # folders are made, as a save dialog would
    blocked = tmp_path / "file"
    blocked.write_text("")
    refused = cli(env, "export", "toe-touch", str(blocked / "x.toml"))
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    assert "Traceback" not in refused.stderr
