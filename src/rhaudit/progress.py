"""A progress bar on the terminal only: silent when stderr is a pipe, a file or CI."""

from __future__ import annotations

import os
import sys

_WIDTH = 30


def terminal_progress(what: str, stream=None):
    """A `progress(done, total, name)` callback drawing a bar on `stream` (stderr), or None when
    it is not an interactive terminal (pipe, file, CI), so that logs stay clean."""
    stream = stream or sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()) or os.environ.get("CI"):
        return None

    def progress(done: int, total: int, name: str) -> None:
        filled = _WIDTH * done // max(total, 1)
        stream.write(f"\r{what} [{'#' * filled}{'.' * (_WIDTH - filled)}] {done}/{total} {name[:40]:<40}")
        if done >= total:
            stream.write("\r" + " " * (len(what) + _WIDTH + 55) + "\r")
        stream.flush()

    return progress
