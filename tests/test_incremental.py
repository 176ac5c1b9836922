"""Scheduled runs against a mirror: only what is new or changed, exactly once, even across kill -9."""

import dataclasses
import fcntl
import json
import random
import signal
import sqlite3
import time
from datetime import timedelta, timezone
from urllib.parse import unquote, urlsplit

import pytest

from crawler.incremental import content_hash
from crawler.state import ArticleState, StateError
from tests.conftest import run_crawl, start_crawl
from tests.fixtures.articles import ARTICLES
from tests.mirror.server import Mirror
from tests.mirror.site import build_site


def variant(spec, number):
    """Another article like spec: its own URL, title and text."""
    head, slug = spec.path.rsplit("/", 1)
    day = (spec.published + timedelta(hours=number)).strftime("%Y%m%d")
    return dataclasses.replace(
        spec,
        path=f"{head}/{day}-{slug.split('-', 1)[1]}-续{number}",
        title=f"{spec.title}（续{number}）",
        published=spec.published + timedelta(hours=number),
        modified=None,
        body_html=spec.body_html + f"<p>这是第{number}篇后续报道的补充段落。</p>",
    )


def modified(spec, hours=3):
    return dataclasses.replace(
        spec,
        modified=(spec.modified or spec.published) + timedelta(hours=hours),
        body_html=spec.body_html + "<p>本文发表后，有关方面又作出了新的回应。</p>",
    )


def paths(items):
    return sorted(unquote(urlsplit(item["url"]).path) for item in items)


def article_requests(mirror, specs):
    wanted = {spec.path for spec in specs}
    return [path for path in mirror.requests if path in wanted]


def crawl(tmp_path, mirror, state, output, *arguments):
    return run_crawl(tmp_path, *arguments, output_name=output,
                     settings={"RFI_BASE_URL": mirror.base_url, "STATE_DIR": str(state)})


def test_runs_emit_only_new_and_changed_articles(tmp_path):
    specs = [fixture.spec for fixture in ARTICLES]
    state = tmp_path / "state"
    with Mirror() as mirror:
        site = build_site(mirror, specs)
        first = crawl(tmp_path, mirror, state, "run1.jsonl")
        assert first.returncode == 0, first.stderr[-2000:]
        assert paths(first.items) == sorted(spec.path for spec in specs)
        assert {item["version"] for item in first.items} == {1}
        first_items = {unquote(urlsplit(item["url"]).path): item for item in first.items}

        # New articles, a changed one, and one whose `modified` date alone is later; the changes
        # show in the news sitemap's lastmod. The others are held unchanged: never asked for again.
        in_news = sorted((spec for spec in specs if spec.path in site.news_paths), key=lambda spec: spec.published)
        assert len(in_news) >= 2
        changed = [modified(in_news[0])]
        redated = dataclasses.replace(in_news[1], modified=(in_news[1].modified or in_news[1].published)
                                      + timedelta(hours=5))
        added = [variant(in_news[-1], number) for number in (1, 2, 3)]
        by_path = {spec.path: spec for spec in specs}
        by_path.update({spec.path: spec for spec in changed + added + [redated]})
        build_site(mirror, list(by_path.values()))
        mirror.clear_log()
        second = crawl(tmp_path, mirror, state, "run2.jsonl")
    assert second.returncode == 0, second.stderr[-2000:]
    versions = {unquote(urlsplit(item["url"]).path): item["version"] for item in second.items}
    assert versions == {**{spec.path: 1 for spec in added}, **{spec.path: 2 for spec in changed + [redated]}}
    assert sorted(article_requests(mirror, specs + added)) == sorted(spec.path for spec in changed + added + [redated])
    emitted = {unquote(urlsplit(item["url"]).path): item for item in second.items}
    assert emitted[changed[0].path]["paragraphs"][-1] == "本文发表后，有关方面又作出了新的回应。"
    assert emitted[redated.path]["modified"] == redated.modified.astimezone(timezone.utc).isoformat()
    assert emitted[redated.path]["paragraphs"] == first_items[redated.path]["paragraphs"]
    unchanged = len(specs) - len(changed) - 1
    assert (f"discovered {len(by_path)}, fetched {len(added) + 2}, new {len(added)}, updated 2, "
            f"skipped as unchanged {unchanged}") in second.stderr


def many_specs(count):
    base = [fixture.spec for fixture in ARTICLES if fixture.spec.image]
    return [variant(base[number % len(base)], number) for number in range(1, count + 1)]


def slow_crawl_settings(mirror, state, **more):
    return {"RFI_BASE_URL": mirror.base_url, "STATE_DIR": str(state), "CONCURRENT_REQUESTS_PER_DOMAIN": "2", **more}


def wait_for_lines(process, output, count, timeout=60):
    """Until the output has `count` lines, or the run ended on its own (nothing was left to emit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if count == 0 or (output.exists() and output.read_bytes().count(b"\n") >= count) or process.poll() is not None:
            return
        time.sleep(0.05)
    raise AssertionError(f"{output.name} did not reach {count} lines in {timeout} s")


def test_kill_9_at_random_moments_loses_and_doubles_nothing(tmp_path):
    specs = many_specs(40)
    state = tmp_path / "state"
    outputs = []
    chooser = random.Random(20261126)
    with Mirror() as mirror:
        build_site(mirror, specs)
        for spec in specs:
            mirror.add_fault(spec.path, "slow:0.15", times=50)
        for attempt in range(3):
            output = tmp_path / f"killed{attempt}.jsonl"
            outputs.append(output)
            process = start_crawl(output, slow_crawl_settings(mirror, state))
            # A random point in the run's progress: before the first line, or after a few.
            wait_for_lines(process, output, chooser.randint(0, 6))
            time.sleep(chooser.uniform(0, 0.3))
            process.send_signal(signal.SIGKILL)
            process.wait()
        final = crawl(tmp_path, mirror, state, "final.jsonl")
        assert final.returncode == 0, final.stderr[-2000:]
        outputs.append(tmp_path / "final.jsonl")
    lines = []
    for output in outputs:
        if output.exists():
            text = output.read_text(encoding="utf-8")
            assert text == "" or text.endswith("\n"), f"partial line in {output.name}"
            lines += [json.loads(line) for line in text.splitlines()]
    killed_lines = len(lines) - len(final.items)
    assert killed_lines > 0, "the kills came too late or too early to test anything"
    assert sorted(paths(lines)) == sorted(spec.path for spec in specs)
    assert {item["version"] for item in lines} == {1}


def test_a_locked_state_file_is_refused(tmp_path):
    path = tmp_path / "state" / "rfi_cn.sqlite3"
    ArticleState(path).open().close()
    with open(path, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StateError) as caught:
            ArticleState(path).open()
    assert str(caught.value) == f"state file {path} is locked: another run is using it"

    connection = sqlite3.connect(path)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StateError) as caught:
            ArticleState(path).open()
    finally:
        connection.rollback()
        connection.close()
    assert str(caught.value).startswith(f"state file {path} is locked")


def test_a_paused_run_resumes_from_its_jobdir_and_the_next_run_starts_afresh(tmp_path):
    specs = many_specs(30)
    state, jobdir = tmp_path / "state", tmp_path / "job"
    settings = {"STATE_DIR": str(state), "JOBDIR": str(jobdir)}
    with Mirror() as mirror:
        build_site(mirror, specs)
        for spec in specs:
            mirror.add_fault(spec.path, "slow:0.5", times=50)
        first = tmp_path / "first.jsonl"
        process = start_crawl(first, slow_crawl_settings(mirror, state, JOBDIR=str(jobdir)))
        wait_for_lines(process, first, 2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        # Paused is not finished: a scheduler must not take it for a complete run.
        assert process.returncode == 1
        assert stderr.strip().splitlines()[-1] == (
            f"rfi_cn: failed: paused before it finished (shutdown); run it again with JOBDIR={jobdir} to resume")
        paused = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
        assert 0 < len(paused) < len(specs)

        mirror.clear_faults()
        mirror.clear_log()
        resumed = run_crawl(tmp_path, output_name="second.jsonl",
                            settings={"RFI_BASE_URL": mirror.base_url, **settings})
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert sorted(paths(paused) + paths(resumed.items)) == sorted(spec.path for spec in specs)
        assert "/cn/rss" not in mirror.requests

        # The finished run's JOBDIR forgot its requests: the next run with it lists the site afresh.
        newer = variant(specs[0], 99)
        build_site(mirror, [*specs, newer])
        third = run_crawl(tmp_path, output_name="third.jsonl", settings={"RFI_BASE_URL": mirror.base_url, **settings})
    assert third.returncode == 0, third.stderr[-2000:]
    assert paths(third.items) == [newer.path]


# -- settling a killed run, in-process -------------------------------------------


def output_line(number):
    record = {"id": f"rfi-cn-{number:020x}", "url": f"https://www.rfi.fr/cn/中国/20240301-文章-{number}",
              "title": f"第{number}篇", "lede": None, "paragraphs": ["段落。"], "version": 1}
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def killed_run(tmp_path, content):
    """A state whose run was killed while writing `content` to its output."""
    output = tmp_path / "killed.jsonl"
    output.write_bytes(content)
    state = ArticleState(tmp_path / "state" / "rfi_cn.sqlite3").open()
    state.begin_run([str(output)])
    return state, output


def test_settling_a_killed_run_counts_only_its_whole_lines(tmp_path, caplog):
    state, output = killed_run(tmp_path, output_line(1) + output_line(2) + output_line(3)[:-30])
    try:
        assert state.settle_interrupted_runs(content_hash) == 2
        assert state.count() == 2
        assert state.get(f"rfi-cn-{3:020x}") is None  # its line was cut: emitted again
        assert state.settle_interrupted_runs(content_hash) == 0  # the run is forgotten
    finally:
        state.close()
    assert f"{output}:3: last line cut short" in caplog.text


def test_settling_a_killed_run_stops_on_a_malformed_line_before_the_last(tmp_path):
    state, output = killed_run(tmp_path, output_line(1) + output_line(2)[:40] + output_line(3) + output_line(4))
    try:
        with pytest.raises(StateError) as caught:
            state.settle_interrupted_runs(content_hash)
        assert str(caught.value) == (
            f"cannot settle an interrupted run: its output {output}:2: not valid JSON (Expecting ':' delimiter); "
            "repair or delete that line (the article of a deleted line is emitted again), then run again"
        )
        assert state.count() == 0
        # Once the line is deleted, the run settles.
        output.write_bytes(output_line(1) + output_line(4))
        assert state.settle_interrupted_runs(content_hash) == 2
    finally:
        state.close()
