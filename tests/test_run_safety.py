"""What a scheduler and its user rely on: no run destroys earlier output, and every run that did not
work ends with exit code 1 or 2 and the documented last line, never a traceback.

Signals, a full disk and the exit codes are run end to end; which outputs, job folders and state
files are refused is decided in-process (crawler.run_checks, crawler.state).
"""

import dataclasses
import json
import os
import signal
from datetime import timedelta

import pytest
from scrapy.settings import Settings

from crawler.run_checks import RunRefused, check_run
from crawler.state import ArticleState, StateError, state_path
from tests.conftest import CRAWL_ENV, REPO, crawl_arguments, start_crawl, summary_line
from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run
from tests.mirror.render import render_article_page
from tests.mirror.server import Mirror
from tests.mirror.site import build_site
from tests.scrapy_process import run_scrapy
from tests.test_incremental import many_specs, slow_crawl_settings, wait_for_lines

SPECS = [fixture.spec for fixture in ARTICLES[:4]]


@pytest.fixture(scope="module")
def mirror():
    with Mirror() as served:
        build_site(served, SPECS)
        yield served


def run(tmp_path, mirror, output, *arguments, overwrite=True, **settings):
    """`scrapy crawl rfi_cn -O output` (or -o), as a user types it."""
    command = crawl_arguments(output, {"RFI_BASE_URL": mirror.base_url, "STATE_DIR": str(tmp_path / "state"),
                                       **settings}, arguments, overwrite=overwrite)
    return run_scrapy(command, REPO, CRAWL_ENV, timeout=120)


def last_line(process):
    lines = process.stderr.strip().splitlines()
    assert lines, "the run wrote nothing on stderr"
    return lines[-1]


def assert_no_traceback(process):
    assert "Traceback" not in process.stderr, process.stderr[-3000:]


def versions(output):
    return [json.loads(line)["version"] for line in output.read_text(encoding="utf-8").splitlines()]


# -- end to end ---------------------------------------------------------------------


def test_no_run_overwrites_the_articles_of_an_earlier_one(tmp_path):
    output, log = tmp_path / "x.jsonl", tmp_path / "crawl.log"
    state = tmp_path / "state" / "rfi_cn.sqlite3"
    with Mirror() as mirror:
        build_site(mirror, SPECS)
        first = run(tmp_path, mirror, output, LOG_FILE=str(log))
        assert first.returncode == 0, log.read_text(encoding="utf-8")[-2000:]
        kept = output.read_bytes()
        assert versions(output) == [1] * len(SPECS)
        # The Summary ends the log, after Scrapy's own closing lines.
        lines = log.read_text(encoding="utf-8").strip().splitlines()
        assert " INFO: Summary: discovered 4, fetched 4, new 4, updated 0, skipped as unchanged 0, dropped 0 {}, " \
               "failed 0 {}" in lines[-1]
        assert "Spider closed (finished)" in lines[-2]

        # -O onto the output of an earlier incremental run: refused before anything is asked of the site.
        mirror.clear_log()
        refused = run(tmp_path, mirror, output)
        assert refused.returncode == 2
        assert last_line(refused) == (
            f"rfi_cn: bad argument: -O {output} would overwrite the articles of an earlier run, which the state "
            f"counts as emitted; append with -o, write to a new file, or start afresh by moving away both {output} "
            f"and {state}")
        assert_no_traceback(refused)
        assert output.read_bytes() == kept
        assert mirror.requests == []

        # -o appends: only the version that changed since.
        changed = dataclasses.replace(SPECS[1], modified=SPECS[1].published + timedelta(days=1),
                                      body_html=SPECS[1].body_html + "<p>更新后新增的一段。</p>")
        mirror.add(changed.path, render_article_page(changed, base_url=mirror.base_url))
        appended = run(tmp_path, mirror, output, "refresh=1", overwrite=False)
        assert appended.returncode == 0, appended.stderr[-2000:]
        assert output.read_bytes().startswith(kept)
        assert versions(output) == [1] * len(SPECS) + [2]
    assert summary_line(appended.stderr) == ("Summary: discovered 4, fetched 4, new 0, updated 1, "
                                             "skipped as unchanged 3, dropped 0 {}, failed 0 {}")


def stop_twice(tmp_path, **settings):
    specs = many_specs(30)
    output = tmp_path / "stopped.jsonl"
    with Mirror() as mirror:
        build_site(mirror, specs)
        for spec in specs:
            mirror.add_fault(spec.path, "slow:1", times=50)
        process = start_crawl(output, slow_crawl_settings(mirror, tmp_path / "state", **settings))
        wait_for_lines(process, output, 2)
        process.send_signal(signal.SIGINT)
        # The second Ctrl-C only once the first was taken, as a person presses it.
        wait_for_stderr(process, "Received SIGINT, shutting down gracefully")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr, output


def wait_for_stderr(process, text):
    """The process's stderr up to and including the first line holding `text`."""
    seen = []
    for line in process.stderr_lines():
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"the run ended without logging {text!r}: {''.join(seen)[-2000:]}")


def test_a_forced_shutdown_exits_1_with_one_line(tmp_path):
    returncode, stderr, output = stop_twice(tmp_path)
    assert returncode == 1
    assert "Received SIGINT twice, forcing unclean shutdown" in stderr
    lines = stderr.strip().splitlines()
    assert lines[-1] == ("rfi_cn: failed: forced to stop before it finished; the articles written so far are kept, "
                         "run it again to fetch the rest")
    assert "Summary: discovered 30, fetched " in lines[-2]
    assert "Traceback" not in stderr
    assert output.read_bytes().endswith(b"\n")


def test_a_killed_runs_output_damaged_in_the_middle_stops_the_next_run_with_one_line(tmp_path, mirror):
    damaged = tmp_path / "killed.jsonl"
    damaged.write_text('{"id": "rfi-cn-00000000000000000000", "url": "u"}\nnot json\n{"id": "x", "url": "u"}\n')
    # What a killed run leaves in the state: the record of the output it was writing.
    state = ArticleState(tmp_path / "state" / "rfi_cn.sqlite3").open()
    state.begin_run([str(damaged)])
    state.close()
    result = run(tmp_path, mirror, tmp_path / "next.jsonl")
    assert result.returncode == 1
    assert last_line(result) == (
        f"rfi_cn: failed: cannot settle an interrupted run: its output {damaged}:2: not valid JSON (Expecting value); "
        "repair or delete that line (the article of a deleted line is emitted again), then run again")
    assert_no_traceback(result)
    assert not (tmp_path / "next.jsonl").exists()


def test_a_full_disk_fails_the_run_and_leaves_only_whole_lines(tmp_path, mirror):
    """RLIMIT_FSIZE stands in for a full disk: the write that crosses it is cut short, the next ones fail."""
    output = tmp_path / "full.jsonl"

    command = crawl_arguments(output, {"RFI_BASE_URL": mirror.base_url, "INCREMENTAL": "0"}, overwrite=False)
    result = run_scrapy(command, REPO, CRAWL_ENV, timeout=120, file_size_limit=4000)
    written = output.read_bytes()
    lines = written.splitlines()
    assert 0 < len(lines) < len(SPECS) and written.endswith(b"\n")
    assert all(json.loads(line)["id"] for line in lines)
    assert result.returncode == 1
    unwritten = len(SPECS) - len(lines)
    assert last_line(result) == f"rfi_cn: failed: {unwritten} articles could not be written to the output"
    assert f"failed {unwritten} {{not_written: {unwritten}}}" in result.stderr
    assert result.stderr.count(f"Cannot write to {output} (File too large)") == unwritten
    assert_no_traceback(result)


# -- in-process -----------------------------------------------------------------------


def refusal(tmp_path, output, overwrite=False, **settings):
    """(exit code, message) of the run `scrapy crawl rfi_cn -o/-O output` would refuse, or None."""
    feeds = {str(output): {"format": "jsonl", "overwrite": overwrite}}
    try:
        check_run(Settings({"STATE_DIR": str(tmp_path / "state"), "INCREMENTAL": True, "FEEDS": feeds, **settings}),
                  "rfi_cn")
    except RunRefused as refused:
        return refused.exitcode, str(refused)
    return None


def test_overwriting_a_killed_runs_output_is_refused_unless_nothing_counts_it_as_emitted(tmp_path):
    output = tmp_path / "killed.jsonl"
    output.write_text('{"id": "rfi-cn-00000000000000000001", "url": "u"}\n{"id": "rfi-cn-0000', encoding="utf-8")
    state = tmp_path / "state" / "rfi_cn.sqlite3"
    assert refusal(tmp_path, output, overwrite=True) == (
        2, f"-O {output} would overwrite the articles of an earlier run, which the state counts as emitted; "
           f"append with -o, write to a new file, or start afresh by moving away both {output} and {state}")
    assert refusal(tmp_path, output, overwrite=False) is None
    assert refusal(tmp_path, output, overwrite=True, INCREMENTAL=False) is None
    assert refusal(tmp_path, tmp_path / "new.jsonl", overwrite=True) is None


def test_an_output_that_is_an_input_or_the_state_or_a_folder_is_refused(tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    item = saved / "item.jsonl"
    item.write_text("<!--1692134700000-->\n[标题](https://www.rfi.fr/cn/中国/20230815-标题)\n------\n\n<p>x</p>\n")
    with pytest.raises(RunRefused) as refused:
        Run(settings={"FEEDS": {str(item): {"format": "jsonl"}}}, archive=str(item))
    assert (refused.value.exitcode, str(refused.value)) == (2, f"the output {item} is one of the archive files read")
    as_jsonl = tmp_path / "state.jsonl"
    os.symlink(state_path(Settings({"STATE_DIR": str(tmp_path / "state")}), "rfi_cn"), as_jsonl)
    assert refusal(tmp_path, as_jsonl) == (2, f"the output {as_jsonl} is the state file")
    assert refusal(tmp_path, as_jsonl, INCREMENTAL=False) is None
    folder = tmp_path / "a-folder.jsonl"
    folder.mkdir()
    assert refusal(tmp_path, folder) == (2, f"the output {folder} is a folder; give a file")


def test_a_jobdir_that_is_a_file_is_refused(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    assert refusal(tmp_path, tmp_path / "x.jsonl", JOBDIR=str(a_file)) == (2, f"JOBDIR={a_file} is not a folder")
    assert refusal(tmp_path, tmp_path / "x.jsonl", JOBDIR=str(tmp_path / "new" / "job")) is None


def test_an_output_or_jobdir_in_a_folder_that_cannot_be_written_is_refused(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    assert refusal(tmp_path, a_file / "x.jsonl") == (
        1, f"cannot write the output {a_file / 'x.jsonl'}: {a_file} is not a writable folder")
    assert refusal(tmp_path, tmp_path / "x.jsonl", JOBDIR=str(a_file / "job")) == (
        1, f"JOBDIR={a_file / 'job'} cannot be written: {a_file} is not a writable folder")


def open_state(state_dir):
    return ArticleState(state_path(Settings({"STATE_DIR": str(state_dir)}), "rfi_cn")).open()


def test_a_state_file_that_cannot_be_opened_is_one_line(tmp_path):
    # A folder where the state file should be: open() fails as it does in an unwritable STATE_DIR
    # (which root, running CI, could write all the same).
    database = tmp_path / "state" / "rfi_cn.sqlite3"
    database.mkdir(parents=True)
    with pytest.raises(StateError) as refused:
        open_state(tmp_path / "state")
    assert str(refused.value) == f"state file {database} cannot be opened: Is a directory"


def test_a_state_folder_that_is_a_file_is_one_line(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    with pytest.raises(StateError) as refused:
        open_state(a_file)
    assert str(refused.value) == f"state folder {a_file} cannot be created: File exists"
