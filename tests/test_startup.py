"""How the embedded server's programs run: the caller's own work runs while they do (a cold `tipdb up`
imports what it needs while initdb runs), and neither hides the other's failure."""

from __future__ import annotations

import subprocess

import pytest

from tipdb import embedded


def test_the_callers_work_runs_while_the_program_runs():
    account = embedded._server_account()
    seen: list = []

    def meanwhile():
        # The program (`sleep`) is the newest child of this process; it must still be running now.
        children = subprocess.run(["pgrep", "-n", "-P", str(__import__("os").getpid()), "sleep"],
                                  capture_output=True, text=True).stdout.split()
        seen.append(bool(children))

    embedded._run(["sleep", "0.5"], account, meanwhile=meanwhile)
    assert seen == [True]


def test_a_failure_of_the_callers_work_waits_for_the_program_and_then_is_raised():
    import time

    account = embedded._server_account()

    def meanwhile():
        raise KeyError("the caller's own failure")

    began = time.monotonic()
    with pytest.raises(KeyError, match="the caller's own failure"):
        embedded._run(["sleep", "0.4"], account, meanwhile=meanwhile)
    assert time.monotonic() - began >= 0.4  # the program was waited for, not cut short (initdb's cluster)


def test_the_programs_failure_comes_first():
    account = embedded._server_account()

    def meanwhile():
        raise KeyError("the caller's own failure")

    with pytest.raises(subprocess.CalledProcessError):
        embedded._run(["sh", "-c", "echo broken; exit 3"], account, meanwhile=meanwhile)
