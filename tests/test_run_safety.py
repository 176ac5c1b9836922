"""What a scheduler and its user rely on: no run destroys earlier output, and every run that did not
work ends with exit code 1 or 2 and the documented last line, never a traceback."""

import json
import os
import resource
import signal
import sqlite3
import subprocess

import pytest

from tests.conftest import CRAWL_ENV, REPO, crawl_command, run_crawl, start_crawl
from tests.fixtures.articles import ARTICLES
from tests.mirror.server import Mirror
from tests.mirror.site import build_site
from tests.test_incremental import many_specs, slow_crawl_settings, wait_for_lines

SPECS = [fixture.spec for fixture in ARTICLES[:4]]


@pytest.fixture(scope="module")
def mirror():
    with Mirror() as served:
        build_site(served, SPECS)
        yield served


def run(tmp_path, mirror, output, *arguments, overwrite=True, **settings):
    """`scrapy crawl rfi_cn -O output` (or -o), as a user types it."""
    command = crawl_command(output, {"RFI_BASE_URL": mirror.base_url, "STATE_DIR": str(tmp_path / "state"),
                                     **settings}, arguments)
    if not overwrite:
        command[command.index("-O")] = "-o"
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, env=CRAWL_ENV)


def last_line(process):
    return process.stderr.strip().splitlines()[-1]


def assert_no_traceback(process):
    assert "Traceback" not in process.stderr, process.stderr[-3000:]


def test_overwriting_an_earlier_runs_output_is_refused_and_the_file_kept(tmp_path, mirror):
    output = tmp_path / "x.jsonl"
    first = run(tmp_path, mirror, output)
    assert first.returncode == 0, first.stderr[-2000:]
    kept = output.read_bytes()
    assert kept.count(b"\n") == len(SPECS)
    mirror.clear_log()
    second = run(tmp_path, mirror, output)
    assert second.returncode == 2
    assert last_line(second) == (
        f"rfi_cn: bad argument: -O {output} would overwrite the articles of an earlier run, which the state counts "
        f"as emitted; append with -o, write to a new file, or start afresh by moving away both {output} and "
        f"{tmp_path / 'state' / 'rfi_cn.sqlite3'}")
    assert output.read_bytes() == kept
    assert mirror.requests == []
    appended = run(tmp_path, mirror, output, overwrite=False)
    assert appended.returncode == 0, appended.stderr[-2000:]
    assert output.read_bytes() == kept, "nothing new: nothing appended"


def test_overwriting_a_killed_runs_output_is_refused_and_its_articles_kept(tmp_path):
    specs = many_specs(20)
    state = tmp_path / "state"
    output = tmp_path / "killed.jsonl"
    with Mirror() as mirror:
        build_site(mirror, specs)
        for spec in specs:
            mirror.add_fault(spec.path, "slow:0.3", times=50)
        process = start_crawl(output, slow_crawl_settings(mirror, state))
        wait_for_lines(process, output, 3)
        process.send_signal(signal.SIGKILL)
        process.wait()
        written = output.read_bytes()
        assert 3 <= written.count(b"\n") < len(specs)
        again = run(tmp_path, mirror, output)
        assert again.returncode == 2
        assert last_line(again).startswith(f"rfi_cn: bad argument: -O {output} would overwrite the articles")
        assert output.read_bytes() == written
        rest = run(tmp_path, mirror, tmp_path / "rest.jsonl", **{"CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
    assert rest.returncode == 0, rest.stderr[-2000:]
    emitted = [json.loads(line)["url"] for path in (output, tmp_path / "rest.jsonl")
               for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(emitted) == len(set(emitted)) == len(specs)


def test_overwriting_is_allowed_without_state(tmp_path, mirror):
    output = tmp_path / "x.jsonl"
    output.write_text("an old file\n")
    result = run(tmp_path, mirror, output, INCREMENTAL="0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(output.read_text(encoding="utf-8").splitlines()) == len(SPECS)


def test_an_output_that_is_an_input_or_the_state_is_refused(tmp_path, mirror):
    saved = tmp_path / "saved"
    saved.mkdir()
    item = saved / "item.jsonl"
    item.write_text("<!--1692134700000-->\n[标题](https://www.rfi.fr/cn/中国/20230815-标题)\n------\n\n<p>x</p>\n")
    before = item.read_bytes()
    refused = run(tmp_path, mirror, item, f"archive={item}", overwrite=False)
    assert refused.returncode == 2
    assert last_line(refused) == f"rfi_cn: bad argument: the output {item} is one of the archive files read"
    assert item.read_bytes() == before
    state = tmp_path / "state"
    assert run(tmp_path, mirror, tmp_path / "first.jsonl").returncode == 0
    database = state / "rfi_cn.sqlite3"
    as_jsonl = state / "state.jsonl"
    os.symlink(database, as_jsonl)
    refused = run(tmp_path, mirror, as_jsonl, overwrite=False)
    assert refused.returncode == 2
    assert last_line(refused) == f"rfi_cn: bad argument: the output {as_jsonl} is the state file"
    (tmp_path / "a-folder.jsonl").mkdir()
    refused = run(tmp_path, mirror, tmp_path / "a-folder.jsonl", overwrite=False)
    assert refused.returncode == 2
    assert last_line(refused) == f"rfi_cn: bad argument: the output {tmp_path / 'a-folder.jsonl'} is a folder; give a file"


def test_a_state_file_that_cannot_be_opened_is_one_line(tmp_path, mirror):
    # A folder where the state file should be: open() fails as it does in an unwritable STATE_DIR
    # (which root, running CI, could write all the same).
    database = tmp_path / "state" / "rfi_cn.sqlite3"
    database.mkdir(parents=True)
    result = run(tmp_path, mirror, tmp_path / "x.jsonl")
    assert result.returncode == 1
    assert last_line(result) == f"rfi_cn: failed: state file {database} cannot be opened: Is a directory"
    assert_no_traceback(result)


def test_a_state_folder_that_is_a_file_and_a_jobdir_that_is_a_file_are_one_line(tmp_path, mirror):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    result = run(tmp_path, mirror, tmp_path / "x.jsonl", STATE_DIR=str(a_file))
    assert result.returncode == 1
    assert last_line(result) == f"rfi_cn: failed: state folder {a_file} cannot be created: File exists"
    assert_no_traceback(result)
    result = run(tmp_path, mirror, tmp_path / "x.jsonl", JOBDIR=str(a_file))
    assert result.returncode == 2
    assert last_line(result) == f"rfi_cn: bad argument: JOBDIR={a_file} is not a folder"
    assert_no_traceback(result)


def test_the_summary_ends_the_log(tmp_path, mirror):
    result = run(tmp_path, mirror, tmp_path / "x.jsonl", LOG_FILE=str(tmp_path / "crawl.log"))
    assert result.returncode == 0
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8").strip().splitlines()
    assert " INFO: Summary: discovered 4, fetched 4, new 4, updated 0, skipped as unchanged 0, dropped 0 {}, " \
           "failed 0 {}" in log[-1]
    assert "Spider closed (finished)" in log[-2]


def stop_twice(tmp_path, **settings):
    specs = many_specs(30)
    output = tmp_path / "stopped.jsonl"
    with Mirror() as mirror:
        build_site(mirror, specs)
        for spec in specs:
            mirror.add_fault(spec.path, "slow:1", times=50)
        process = start_crawl(output, slow_crawl_settings(mirror, tmp_path / "state", **settings),
                              stderr=subprocess.PIPE)
        wait_for_lines(process, output, 2)
        process.send_signal(signal.SIGINT)
        # The second Ctrl-C only once the first was taken, as a person presses it.
        seen = wait_for_stderr(process, "Received SIGINT, shutting down gracefully")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    return process.returncode, seen + stderr, output


def wait_for_stderr(process, text):
    """The process's stderr up to and including the first line holding `text`."""
    seen = []
    for line in process.stderr:
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


def test_a_paused_run_exits_1_saying_how_to_resume(tmp_path):
    specs = many_specs(20)
    jobdir = tmp_path / "job"
    output = tmp_path / "paused.jsonl"
    with Mirror() as mirror:
        build_site(mirror, specs)
        for spec in specs:
            mirror.add_fault(spec.path, "slow:0.5", times=50)
        process = start_crawl(output, slow_crawl_settings(mirror, tmp_path / "state", JOBDIR=str(jobdir)),
                              stderr=subprocess.PIPE)
        wait_for_lines(process, output, 2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        f"rfi_cn: failed: paused before it finished (shutdown); run it again with JOBDIR={jobdir} to resume")


def test_an_empty_argument_is_refused_before_anything_is_fetched(tmp_path):
    result = run_crawl(tmp_path, "since=")
    assert result.returncode == 2
    assert result.last_line == "rfi_cn: bad argument: since= is empty; give a value or leave the argument out"


def test_a_killed_runs_output_damaged_in_the_middle_stops_the_next_run_with_one_line(tmp_path, mirror):
    assert run(tmp_path, mirror, tmp_path / "first.jsonl").returncode == 0
    damaged = tmp_path / "killed.jsonl"
    damaged.write_text('{"id": "rfi-cn-00000000000000000000", "url": "u"}\nnot json\n{"id": "x", "url": "u"}\n')
    database = tmp_path / "state" / "rfi_cn.sqlite3"
    with sqlite3.connect(database) as connection:  # what a killed run leaves: the record of its output
        connection.execute("INSERT INTO runs (started, outputs) VALUES ('2026-01-01T00:00:00+00:00', ?)",
                           (json.dumps([str(damaged)]),))
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

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))

    command = crawl_command(output, {"RFI_BASE_URL": mirror.base_url, "INCREMENTAL": "0"})
    command[command.index("-O")] = "-o"
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, env=CRAWL_ENV,
                            preexec_fn=small_disk)
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
