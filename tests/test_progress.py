"""The import progress bar is drawn on a terminal only."""

from __future__ import annotations

import io

from rhaudit.progress import terminal_progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_silent_in_a_pipe_or_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert terminal_progress("Lecture", io.StringIO()) is None  # not a terminal
    monkeypatch.setenv("CI", "true")
    assert terminal_progress("Lecture", _Tty()) is None


def test_bar_on_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    out = _Tty()
    progress = terminal_progress("Lecture", out)
    progress(1, 4, "a.xhl")
    # 1 file of 4 on a 30-character bar: 30 * 1 // 4 = 7 '#' then 23 '.'.
    assert out.getvalue().startswith("\rLecture [" + "#" * 7 + "." * 23 + "] 1/4 a.xhl")
    progress(4, 4, "d.xhl")
    assert out.getvalue().endswith("\r")  # the bar is erased once every file is read
