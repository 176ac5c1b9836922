"""What would make a run lose data or fail at once, found when the spider is made: before the
state, the outputs or the job folder are opened, and before anything is downloaded.

The `crawl` command turns a RunRefused into its exit code and one line (crawler.verdict
decides every other outcome).
"""

import os
from pathlib import Path

from crawler.exporters import local_path
from crawler.state import state_path


class RunRefused(Exception):
    """The run must not start; `exitcode` 2 for a bad argument, setting or output, 1 otherwise."""

    def __init__(self, exitcode, message):
        super().__init__(message)
        self.exitcode = exitcode


def check_run(settings, spider_name, inputs=()):
    """Raise RunRefused when the job folder or an output of this run would fail or destroy data;
    `inputs` are the files the run reads (saved feedx items)."""
    check_jobdir(settings.get("JOBDIR"))
    state_file = state_path(settings, spider_name) if settings.getbool("INCREMENTAL") else None
    for uri, options in settings.getdict("FEEDS").items():
        check_output(str(uri), options or {}, state_file, [Path(path) for path in inputs])


def check_jobdir(jobdir):
    if not jobdir:
        return
    path = Path(jobdir)
    if path.exists() and not path.is_dir():
        raise RunRefused(2, f"JOBDIR={jobdir} is not a folder")
    existing = _nearest_existing(path)
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise RunRefused(1, f"JOBDIR={jobdir} cannot be written: {existing} is not a writable folder")


def check_output(uri, options, state_file, inputs):
    """A local output that would destroy data or cannot be written stops the run (remote feeds are not checked)."""
    path = local_path(uri)
    if path is None:
        return
    if path.is_dir():
        raise RunRefused(2, f"the output {path} is a folder; give a file")
    if state_file is not None and _same_file(path, state_file):
        raise RunRefused(2, f"the output {path} is the state file")
    for given in inputs:
        if _same_file(path, given):
            raise RunRefused(2, f"the output {path} is one of the archive files read")
    if options.get("overwrite") and state_file is not None and _holds_lines(path):
        # The state counts the lines of earlier runs' files as emitted: overwriting one would lose
        # those articles for good, since no later run emits them again.
        raise RunRefused(
            2,
            f"-O {path} would overwrite the articles of an earlier run, which the state counts as emitted; "
            f"append with -o, write to a new file, or start afresh by moving away both {path} and {state_file}",
        )
    folder = _nearest_existing(path.absolute().parent)
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise RunRefused(1, f"cannot write the output {path}: {folder} is not a writable folder")


def _nearest_existing(path):
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _same_file(one, other):
    return os.path.realpath(one) == os.path.realpath(other)


def _holds_lines(path):
    try:
        return path.stat().st_size > 0
    except OSError:
        return False
