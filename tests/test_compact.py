"""`scrapy compact`: merging run files into one dataset.

The command runs in-process, parsed as Scrapy's command line parses it; two runs go through
`scrapy compact` itself, for its exit codes.
"""

import json

import pytest

from crawler.commands.compact import Command
from crawler.compaction import MalformedLine, compact, write_jsonl_atomically
from tests.conftest import CRAWL_ENV, REPO, run_command
from tests.scrapy_process import run_scrapy


def run_compact(*arguments):
    """`scrapy compact ARGUMENTS`, in this process."""
    return run_command(Command, *arguments)


def scrapy_compact(*arguments):
    """`scrapy compact ARGUMENTS` in a process of its own, as a user runs it."""
    return run_scrapy(["compact", *arguments], REPO, CRAWL_ENV, timeout=120)


def article(number, published, version=None, title=None, paragraphs=None):
    record = {
        "id": f"rfi-cn-{number:020x}",
        "url": f"https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240301-article-{number}",
        "edition": "cn",
        "language": "zh-Hans",
        "section": "中国",
        "title": title or f"北京召开第{number}次经济工作会议",
        "lede": None,
        "paragraphs": paragraphs or [f"据法广报道，第{number}次会议于周五结束。", "与会者讨论了明年的增长目标。"],
        "published": published,
        "modified": None,
        "authors": ["法广"],
        "tags": ["经济"],
        "image": None,
        "source": "rfi",
        "fetched_at": None,
        "crawled_at": "2024-03-02T00:00:00+00:00",
    }
    if version is not None:
        record["version"] = version
    return record


def line(record):
    return json.dumps(record, ensure_ascii=False)


def write_run(path, records, trailer="\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(line(record) for record in records) + trailer, encoding="utf-8")
    return path


@pytest.fixture
def runs(tmp_path):
    """Three run files, in run-time order, with updates, a stale copy and a tie."""
    folder = tmp_path / "output" / "rfi_cn"
    # Old file from before articles had a version: all of them count as version 1.
    first = write_run(folder / "2024-03-01T09-00-00+00-00.jsonl", [
        article(1, "2024-03-01T08:30:00+00:00"),
        article(2, "2024-02-28T12:00:00+00:00"),
        article(3, "2024-03-01T08:30:00+00:00"),
    ])
    second = write_run(folder / "2024-03-02T09-00-00+00-00.jsonl", [
        article(2, "2024-02-28T12:00:00+00:00", version=2, title="更正：北京召开经济工作会议"),
        article(4, None, version=1),
        article(5, "2024-01-15T23:59:59+00:00", version=3, title="第三版"),
        # Equal version to the first run's copy of 3: this later run wins.
        article(3, "2024-03-01T08:30:00+00:00", version=1, title="后一次抓取的版本"),
    ], trailer="\n\n")  # blank trailing line: fine
    third = write_run(folder / "2024-03-03T09-00-00+00-00.jsonl", [
        # Stale: a lower version seen later does not replace the newer one.
        article(2, "2024-02-28T12:00:00+00:00", version=1, title="旧版本"),
        article(5, "2024-01-15T23:59:59+00:00", version=2, title="第二版"),
        article(6, "2024-03-01T08:30:00.500000+00:00", version=1),
    ])
    return first, second, third


def expected_dataset():
    return [
        article(5, "2024-01-15T23:59:59+00:00", version=3, title="第三版"),
        article(2, "2024-02-28T12:00:00+00:00", version=2, title="更正：北京召开经济工作会议"),
        article(1, "2024-03-01T08:30:00+00:00"),  # same instant as 3: by id
        article(3, "2024-03-01T08:30:00+00:00", version=1, title="后一次抓取的版本"),
        article(6, "2024-03-01T08:30:00.500000+00:00", version=1),
        article(4, None, version=1),  # no published date: last
    ]


def test_compacts_run_files_into_latest_versions_sorted_by_published(runs, tmp_path):
    output = tmp_path / "dataset.jsonl"
    process = scrapy_compact(*runs, "-o", output)
    assert process.returncode == 0, process.stderr
    assert process.stdout == f"compacted 3 run files, 10 records, 6 articles -> {output}\n"
    text = output.read_text(encoding="utf-8")
    assert text.splitlines() == [line(record) for record in expected_dataset()]
    assert text.endswith("\n") and "\\u" not in text
    # Keys keep the order they were read in.
    assert list(json.loads(text.splitlines()[0])) == list(expected_dataset()[0])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dataset.jsonl", "output"]  # no temp file left


def test_folder_input_reads_all_run_files_recursively_in_name_order(runs, tmp_path):
    first, second, third = runs
    # A run file in a subfolder is still placed by its name (run time) among the others, and scrapyd's
    # items files (*.jl) are run files too.
    (third.parent / "late").mkdir()
    third.rename(third.parent / "late" / (third.stem + ".jl"))
    (tmp_path / "output" / "rfi_cn" / "notes.txt").write_text("not a run file", encoding="utf-8")
    output = tmp_path / "dataset.jsonl"
    process = run_compact(tmp_path / "output", "-o", output)
    assert process.returncode == 0, process.stderr
    assert process.stdout == f"compacted 3 run files, 10 records, 6 articles -> {output}\n"
    assert output.read_text(encoding="utf-8").splitlines() == [line(record) for record in expected_dataset()]


def test_malformed_line_is_refused_with_file_and_line_and_nothing_is_written(runs, tmp_path):
    first, second, third = runs
    lines = second.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:-1].replace('"title": ', '"title" ', 1) + "}"
    second.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "dataset.jsonl"

    process = run_compact(*runs, "-o", output)
    assert process.returncode == 1
    assert process.stderr == f"compact: {second}:3: not valid JSON (Expecting ':' delimiter)\n"
    assert process.stdout == ""
    assert not output.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"]  # no temp file either

    previous = "前一个数据集\n"
    output.write_text(previous, encoding="utf-8")
    before = output.stat()
    process = run_compact(*runs, "-o", output)
    assert process.returncode == 1
    assert process.stderr == f"compact: {second}:3: not valid JSON (Expecting ':' delimiter)\n"
    assert output.read_text(encoding="utf-8") == previous
    assert output.stat().st_mtime_ns == before.st_mtime_ns and output.stat().st_ino == before.st_ino


def test_a_cut_last_line_is_skipped_with_a_warning(runs, tmp_path):
    first, second, third = runs
    whole = line(article(7, "2024-03-03T10:00:00+00:00", version=1)).encode("utf-8")
    cut = whole[: whole.index("北京".encode("utf-8")) + 1]  # ends inside a character
    with third.open("ab") as stream:
        stream.write(cut)
    output = tmp_path / "dataset.jsonl"
    process = run_compact(*runs, "-o", output)
    assert process.returncode == 0, process.stderr
    size = len(cut)
    assert process.stderr == (
        f"compact: warning: {third}:4: last line cut short ({size} bytes without a newline, not valid JSON): "
        "skipped, as a line a stopped run never finished writing\n"
    )
    assert process.stdout == f"compacted 3 run files, 10 records, 6 articles -> {output}\n"
    assert output.read_text(encoding="utf-8").splitlines() == [line(record) for record in expected_dataset()]


def test_a_last_line_without_newline_that_is_whole_is_a_record(runs, tmp_path):
    first, second, third = runs
    with third.open("a", encoding="utf-8") as stream:
        stream.write(line(article(7, "2024-03-03T10:00:00+00:00", version=1)))
    output = tmp_path / "dataset.jsonl"
    process = run_compact(*runs, "-o", output)
    assert process.returncode == 0, process.stderr
    assert process.stderr == ""
    assert process.stdout == f"compacted 3 run files, 11 records, 7 articles -> {output}\n"


def test_a_cut_line_followed_by_another_is_malformed(runs, tmp_path):
    """What a run appending to a file that ends in a cut line used to leave: the two glued."""
    first, second, third = runs
    whole = line(article(7, "2024-03-03T10:00:00+00:00", version=1))
    text = third.read_text(encoding="utf-8").splitlines()
    third.write_text("\n".join([text[0], whole[:40] + whole, *text[1:]]) + "\n", encoding="utf-8")
    output = tmp_path / "dataset.jsonl"
    process = run_compact(*runs, "-o", output)
    assert process.returncode == 1
    assert process.stderr.startswith(f"compact: {third}:2: not valid JSON (")
    assert process.stderr.count("\n") == 1
    assert not output.exists()


@pytest.fixture
def big_and_small(tmp_path):
    """DIR with a.jsonl (120 lines) and b.jsonl (3 lines)."""
    folder = tmp_path / "DIR"
    big = write_run(folder / "a.jsonl", [article(number, "2024-03-01T08:30:00+00:00") for number in range(1, 121)])
    small = write_run(folder / "b.jsonl", [article(number, "2024-03-02T08:30:00+00:00") for number in (1, 2, 3)])
    return folder, big, small


def refused(process, message):
    assert process.returncode == 2
    assert process.stdout == ""
    assert process.stderr == f"compact: {message}; write the dataset outside the inputs\n"


def test_an_output_inside_an_input_folder_is_refused_and_nothing_is_touched(big_and_small):
    folder, big, small = big_and_small
    before = big.read_bytes(), big.stat().st_mtime_ns
    process = scrapy_compact(folder, "-o", big)
    refused(process, f"the output {big} lies inside the input folder {folder}")
    assert (big.read_bytes(), big.stat().st_mtime_ns) == before
    assert big.read_bytes().count(b"\n") == 120
    assert sorted(path.name for path in folder.iterdir()) == ["a.jsonl", "b.jsonl"]


def test_an_output_that_is_an_input_file_is_refused(big_and_small):
    folder, big, small = big_and_small
    before = big.read_bytes()
    refused(run_compact(big, small, "-o", big), f"the output {big} is the input {big}")
    (folder / "sub").mkdir()
    dodge = folder / "sub" / ".." / "a.jsonl"
    refused(run_compact(big, small, "-o", dodge), f"the output {dodge} is the input {big}")
    assert big.read_bytes() == before


def test_an_output_inside_an_input_folder_through_a_symlink_is_refused(big_and_small, tmp_path):
    folder, big, small = big_and_small
    link = tmp_path / "link"
    link.symlink_to(folder, target_is_directory=True)
    refused(run_compact(folder, "-o", link / "dataset.jsonl"),
            f"the output {link / 'dataset.jsonl'} lies inside the input folder {folder}")
    refused(run_compact(link, "-o", folder / "dataset.jsonl"),
            f"the output {folder / 'dataset.jsonl'} lies inside the input folder {link}")
    # A run file in the folder that is a link to the output: the output would replace it.
    outside = write_run(tmp_path / "dataset.jsonl", [article(200, "2024-03-05T00:00:00+00:00")])
    (folder / "c.jsonl").symlink_to(outside)
    refused(run_compact(folder, "-o", outside), f"the output {outside} is the input {folder / 'c.jsonl'}")
    assert sorted(path.name for path in folder.iterdir()) == ["a.jsonl", "b.jsonl", "c.jsonl"]


@pytest.mark.parametrize(("bad_line", "message"), [
    ('["rfi-cn-00000000000000000001"]', "not a JSON object (got array)"),
    ('{"url": "https://www.rfi.fr/cn/x", "title": "无编号"}', 'no "id"'),
    ('{"id": 12345, "title": "编号是数字"}', '"id" is not a string (got number)'),
])
def test_records_that_are_not_articles_are_refused(tmp_path, bad_line, message):
    run = tmp_path / "2024-03-01T09-00-00+00-00.jsonl"
    run.write_text(line(article(1, "2024-03-01T08:30:00+00:00")) + "\n\n" + bad_line + "\n", encoding="utf-8")
    output = tmp_path / "dataset.jsonl"
    process = run_compact(run, "-o", output)
    assert process.returncode == 1
    assert process.stderr == f"compact: {run}:3: {message}\n"
    assert not output.exists()


def test_missing_input_exits_2(runs, tmp_path):
    output = tmp_path / "dataset.jsonl"
    missing = tmp_path / "output" / "no-such-run.jsonl"
    process = run_compact(runs[0], missing, "-o", output)
    assert process.returncode == 2
    assert process.stderr == f"compact: {missing}: no such file or folder\n"
    assert not output.exists()


def test_folder_without_run_files_exits_2(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    process = run_compact(empty, "-o", tmp_path / "dataset.jsonl")
    assert process.returncode == 2
    assert process.stderr == f"compact: no run files (*.jsonl, *.jl) in {empty}\n"


def test_an_unknown_option_exits_2_with_one_line(runs, tmp_path):
    process = run_compact(runs[0], "--colour", "-o", tmp_path / "dataset.jsonl")
    assert process.returncode == 2
    assert process.stderr == "compact: unknown option --colour (usage: scrapy compact INPUT [INPUT ...] -o FILE)\n"
    assert not (tmp_path / "dataset.jsonl").exists()


def test_no_input_exits_2_with_one_line(tmp_path):
    process = run_compact("-o", tmp_path / "dataset.jsonl")
    assert process.returncode == 2
    assert process.stderr == "compact: no INPUT given (usage: scrapy compact INPUT [INPUT ...] -o FILE)\n"


def test_missing_output_option_exits_2_with_one_line(runs):
    process = run_compact(*runs)
    assert process.returncode == 2
    assert process.stderr == "compact: missing -o FILE (usage: scrapy compact INPUT [INPUT ...] -o FILE)\n"
    assert process.stdout == ""


# -- crawler.compaction, directly ------------------------------------------------


def test_compact_function_counts_and_keeps_latest(runs):
    result = compact(runs)
    assert result.files == list(runs)
    assert result.records == 10
    assert result.articles == expected_dataset()


def test_records_from_before_a_field_was_added_compact_as_they_were(tmp_path):
    """Fields added later (via, alternates) are not required: an old record keeps lacking them."""
    old = [article(1, "2024-03-01T08:30:00+00:00"), article(2, "2024-02-28T12:00:00+00:00")]
    newer = {**article(2, "2024-02-28T12:00:00+00:00", version=2, title="更正：北京召开经济工作会议"),
             "alternates": {"zh-Hant": "https://www.rfi.fr/tw/%E4%B8%AD%E5%9C%8B/20240301-article-2"}, "via": None}
    write_run(tmp_path / "2024-03-01T09-00-00+00-00.jsonl", old)
    write_run(tmp_path / "2024-03-02T09-00-00+00-00.jsonl", [newer])
    assert "alternates" not in old[0] and "via" not in old[0]
    assert compact([tmp_path]).articles == [newer, old[0]]


def test_compact_reports_line_number_of_first_bad_line(tmp_path):
    run = write_run(tmp_path / "run.jsonl", [article(1, "2024-03-01T08:30:00+00:00")])
    with run.open("a", encoding="utf-8") as stream:
        stream.write("   \n")
        stream.write('{"id": "rfi-cn-00000000000000000002", "version": 0}\n')
    with pytest.raises(MalformedLine) as caught:
        compact([run])
    assert (caught.value.file, caught.value.line_number) == (str(run), 3)
    assert caught.value.message == '"version" is not an integer >= 1 (got 0)'
    assert str(caught.value) == f'{run}:3: "version" is not an integer >= 1 (got 0)'


def test_write_jsonl_atomically_replaces_the_whole_file(tmp_path):
    target = tmp_path / "data" / "dataset.jsonl"
    records = [{"title": "法国总统访华", "id": "rfi-cn-00000000000000000001"}, {"id": "b", "paragraphs": ["一", "二"]}]
    assert write_jsonl_atomically(target, records) == 2
    assert target.read_text(encoding="utf-8") == (
        '{"title": "法国总统访华", "id": "rfi-cn-00000000000000000001"}\n{"id": "b", "paragraphs": ["一", "二"]}\n'
    )

    def failing():
        yield {"id": "c"}
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_jsonl_atomically(target, failing())
    assert target.read_text(encoding="utf-8").count("\n") == 2  # untouched
    assert sorted(path.name for path in target.parent.iterdir()) == ["dataset.jsonl"]  # temp file removed
