"""Figure library files (``resources/figures/*.toml``) to :class:`~core.figures.Figure`.

The reading itself is :func:`core.figures.read_figure`, the one reader a routine's inline
figure goes through too; this module is the file's front half (size, UTF-8, TOML, lines, via
the routine loader's :func:`~core.loader.read_toml`) and the library's rule that a figure is
named after its file. It is apart from ``core/figures`` because the routine loader imports
that module and this one imports the loader.
"""

from __future__ import annotations

from collections.abc import Iterable

from stretch_desktop.core.figures import Figure, read_figure
from stretch_desktop.core.loader import Problem, RoutineError, _Table, read_toml


class FigureError(RoutineError):
    """A figure file that cannot be used, with every problem found in it."""


def load_figure(content: str | bytes, file: str) -> Figure:
    """Validate a figure file's content; ``file`` names it in messages and is not opened.

    Any bytes give a :class:`Figure` or a :class:`FigureError` listing every problem as
    ``FILE:LINE: field: message``, found by the routine loader's own line finder.
    """
    data, problems = read_toml(content, file, FigureError)
    figure = read_figure(_Table(data, (), problems, "a figure"))
    if figure is None:
        if not problems.found:  # pragma: no cover - every None path reports first
            problems.add((), "could not be read")
        raise FigureError(problems.found)
    return figure


def load_figures(files: Iterable[tuple[str, str | bytes]]) -> dict[str, Figure]:
    """A library from ``(file name, content)`` pairs: each figure by its name, which must be
    its file's stem (so a pose's ``figure = "lizard"`` finds ``lizard.toml``)."""
    library: dict[str, Figure] = {}
    problems: list[Problem] = []
    for file, content in files:
        try:
            figure = load_figure(content, file)
        except FigureError as error:
            problems.extend(error.problems)
            continue
        stem = file.rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".toml")
        if figure.name != stem:
            problems.append(Problem(file, 1, "name", f"{figure.name!r} must match the file name"))
        elif figure.name in library:
            problems.append(Problem(file, 1, "name", f"{figure.name!r} is defined twice"))
        else:
            library[figure.name] = figure
    if problems:
        raise FigureError(problems)
    return library
