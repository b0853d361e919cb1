"""The progress bar: on a terminal for long scans, never when stderr is piped."""

from __future__ import annotations

import io

from weightscan.cli.scan import ProgressBar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_draws_and_erases_itself_on_a_terminal():
    term = FakeTerminal()
    bar = ProgressBar(term, total_files=2, total_bytes=2000, delay=0, interval=0)
    bar.start_file("models/a.pt", 1000)
    bar.update("pickle", 50, 100)
    assert "[#####---------------]  25% 0/2 files" in term.getvalue()
    assert "models/a.pt (pickle)" in term.getvalue()
    bar.finish_file()
    assert "1/2 files" in term.getvalue()
    bar.close()
    assert term.getvalue().endswith("\r\x1b[K")


def test_silent_when_not_a_terminal_or_quiet_or_quick():
    piped = io.StringIO()
    bar = ProgressBar(piped, 1, 10, delay=0, interval=0)
    bar.start_file("a", 10)
    bar.update("pickle", 1, 2)
    bar.close()
    assert piped.getvalue() == ""
    quiet = FakeTerminal()
    ProgressBar(quiet, 1, 10, enabled=False, delay=0).start_file("a", 10)
    assert quiet.getvalue() == ""
    quick = FakeTerminal()
    bar = ProgressBar(quick, 1, 10)  # default delay: a quick scan ends before it shows
    bar.start_file("a", 10)
    bar.finish_file()
    bar.close()
    assert quick.getvalue() == ""


def test_untrusted_names_cannot_inject_escapes():
    term = FakeTerminal()
    bar = ProgressBar(term, 1, 10, delay=0, interval=0)
    bar.start_file("evil\x1b[2Jname", 10)
    bar.close()
    assert "\x1b[2J" not in term.getvalue()
    assert len(bar.line(width=40)) <= 39
