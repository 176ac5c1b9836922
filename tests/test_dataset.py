"""`scrapy dataset`: run files of both editions made into Parquet, a dataset card and plots.

The command runs in-process, parsed as Scrapy's command line parses it; the dataset is read back
with pyarrow, pandas and DuckDB, each checked against values written here, not against the
module's own schema.
"""

import json
import math
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.commands.dataset import Command
from crawler.dataset.locate import SPIDERS
from crawler.dataset.stats import EditionStats, monthly_series
from tests.conftest import CRAWL_ENV, REPO, VALIDATOR, run_command

# pandas, pyarrow, DuckDB and PyYAML are imported by the tests that read with them: every xdist worker
# collects this file, one runs it.


def run_dataset(*arguments):
    """`scrapy dataset ARGUMENTS`, in this process."""
    return run_command(Command, *arguments)


def article(edition, number, published, **fields):
    record = {
        "id": f"rfi-{edition}-{number:020x}",
        "url": f"https://www.rfi.fr/{edition}/%E4%B8%AD%E5%9B%BD/20240101-article-{number}",
        "edition": edition,
        "language": {"cn": "zh-Hans", "tw": "zh-Hant"}[edition],
        "section": {"cn": "中国", "tw": "中國"}[edition],
        "title": f"第{number}篇",
        "lede": None,
        "paragraphs": [f"第{number}篇的正文。"],
        "published": published,
        "modified": None,
        "authors": [],
        "tags": [],
        "image": None,
        "alternates": {},
        "version": 1,
        "source": "rfi",
        "fetched_at": None,
        "crawled_at": "2024-04-02T09:00:00+00:00",
        "via": None,
    }
    record.update(fields)
    assert not list(VALIDATOR.iter_errors(record))
    return record


FULL = article(
    "cn", 3, "2024-01-20T12:00:00+00:00",
    section="法国", title="巴黎奥运会筹备", lede="距开幕还有半年。", paragraphs=["第一段。", "第二段。"],
    modified="2024-01-21T06:30:00.250000+00:00", authors=["法广"], tags=["奥运", "巴黎"],
    image={"url": "https://s.rfi.fr/media/paris.jpg", "caption": "巴黎", "credit": None},
    alternates={"zh-Hant": "https://www.rfi.fr/tw/%E6%B3%95%E5%9C%8B/20240120-article-3"},
    source="feedx", fetched_at="2024-03-01T09:00:01+00:00", crawled_at="2024-03-01T09:00:02+00:00",
    via="https://web.archive.org/web/20240120/https://www.rfi.fr/cn/3",
)


def write_run(path, records, trailer=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records) + trailer,
                    encoding="utf-8")
    return path


def write_runs(folder):
    """Two rfi_cn runs (an article updated in the second, a last line cut short) and an rfi_tw items
    file of scrapyd. February has no cn article, January and April no tw one."""
    write_run(folder / "output" / "rfi_cn" / "2024-03-01T09-00-00+00-00.jsonl", [
        article("cn", 1, "2024-01-10T08:00:00+00:00"),
        article("cn", 2, "2024-03-05T08:00:00+00:00", title="初版"),
        FULL,
    ])
    write_run(folder / "output" / "rfi_cn" / "2024-04-02T09-00-00+00-00.jsonl", [
        article("cn", 2, "2024-03-05T08:00:00+00:00", title="更正版", version=2),
        article("cn", 4, "2024-04-02T08:00:00+00:00"),
    ], trailer='{"id": "rfi-cn-00000000000000000005", "title": "被截')
    write_run(folder / "items" / "rfi_crawler" / "rfi_tw" / "20240402T090000Z.jl", [
        article("tw", 1, "2024-02-15T08:00:00+00:00"),
        article("tw", 2, "2024-03-10T08:00:00+00:00"),
    ])
    return [folder / "output", folder / "items"]


CN_IDS = [f"rfi-cn-{number:020x}" for number in (1, 3, 2, 4)]  # by published
TW_IDS = [f"rfi-tw-{number:020x}" for number in (1, 2)]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dataset")
    runs = write_runs(folder)
    built = run_dataset(*runs, "-o", folder / "dataset")
    assert built.returncode == 0, built.stderr
    return folder, built


def test_reports_what_it_read_and_warns_of_the_cut_line(dataset):
    folder, built = dataset
    cut = folder / "output" / "rfi_cn" / "2024-04-02T09-00-00+00-00.jsonl"
    assert built.stdout == (f"read 3 run files, 7 records: 6 articles (rfi_cn 4, rfi_tw 2) in 2 Parquet files "
                            f"-> {folder / 'dataset'}\n")
    assert built.stderr == (f"dataset: warning: {cut}:3: last line cut short (54 bytes without a newline, not "
                            "valid JSON): skipped, as a line a stopped run never finished writing\n")
    assert sorted(str(path.relative_to(folder / "dataset")) for path in (folder / "dataset").rglob("*")) == [
        "README.md", "data", "data/rfi_cn", "data/rfi_cn/train-00000-of-00001.parquet",
        "data/rfi_tw", "data/rfi_tw/train-00000-of-00001.parquet",
        "plots", "plots/articles_per_month.png", "plots/field_coverage.png",
    ]
    assert sorted(path.name for path in folder.iterdir()) == ["dataset", "items", "output"]  # no temporary left


EXPECTED_TYPES = [
    ("id", "string"), ("url", "string"), ("edition", "string"), ("language", "string"), ("section", "string"),
    ("title", "string"), ("lede", "string"), ("paragraphs", "list<element: string>"),
    ("published", "timestamp[us, tz=UTC]"), ("modified", "timestamp[us, tz=UTC]"),
    ("authors", "list<element: string>"), ("tags", "list<element: string>"),
    ("image", "struct<url: string, caption: string, credit: string>"),
    ("alternates", "struct<zh-Hans: string, zh-Hant: string>"), ("version", "int64"), ("source", "string"),
    ("fetched_at", "timestamp[us, tz=UTC]"), ("crawled_at", "timestamp[us, tz=UTC]"), ("via", "string"),
]


def utc(text):
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_pyarrow_reads_the_types_the_rows_in_published_order_and_one_row_field_by_field(dataset):
    import pyarrow.parquet as pq
    folder, _ = dataset
    cn = pq.read_table(folder / "dataset" / "data" / "rfi_cn")
    tw = pq.read_table(folder / "dataset" / "data" / "rfi_tw")
    for table in (cn, tw):
        assert [(field.name, str(field.type)) for field in table.schema] == EXPECTED_TYPES
    assert (cn.num_rows, tw.num_rows) == (4, 2)
    assert cn.column("id").to_pylist() == CN_IDS
    assert tw.column("id").to_pylist() == TW_IDS
    assert cn.column("published").to_pylist() == sorted(cn.column("published").to_pylist())
    # The second version of article 2, from the later run.
    assert cn.column("title").to_pylist()[2] == "更正版" and cn.column("version").to_pylist() == [1, 1, 2, 1]
    assert cn.to_pylist()[1] == {
        "id": "rfi-cn-00000000000000000003",
        "url": "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240101-article-3",
        "edition": "cn",
        "language": "zh-Hans",
        "section": "法国",
        "title": "巴黎奥运会筹备",
        "lede": "距开幕还有半年。",
        "paragraphs": ["第一段。", "第二段。"],
        "published": datetime(2024, 1, 20, 12, 0, tzinfo=timezone.utc),
        "modified": datetime(2024, 1, 21, 6, 30, 0, 250000, tzinfo=timezone.utc),
        "authors": ["法广"],
        "tags": ["奥运", "巴黎"],
        "image": {"url": "https://s.rfi.fr/media/paris.jpg", "caption": "巴黎", "credit": None},
        "alternates": {"zh-Hans": None, "zh-Hant": "https://www.rfi.fr/tw/%E6%B3%95%E5%9C%8B/20240120-article-3"},
        "version": 1,
        "source": "feedx",
        "fetched_at": datetime(2024, 3, 1, 9, 0, 1, tzinfo=timezone.utc),
        "crawled_at": datetime(2024, 3, 1, 9, 0, 2, tzinfo=timezone.utc),
        "via": "https://web.archive.org/web/20240120/https://www.rfi.fr/cn/3",
    }
    assert cn.to_pylist()[0]["image"] is None and cn.to_pylist()[0]["alternates"] == {"zh-Hans": None, "zh-Hant": None}


def test_pandas_reads_utc_timestamps_lists_and_structs(dataset):
    import pandas as pd
    folder, _ = dataset
    frame = pd.read_parquet(folder / "dataset" / "data" / "rfi_cn")
    assert len(frame) == 4 and list(frame["id"]) == CN_IDS
    assert {column: str(frame[column].dtype) for column in ("published", "modified", "version")} == {
        "published": "datetime64[us, UTC]", "modified": "datetime64[us, UTC]", "version": "int64",
    }
    row = frame.iloc[1]
    assert row["published"] == pd.Timestamp("2024-01-20T12:00:00Z")
    assert list(row["paragraphs"]) == ["第一段。", "第二段。"]
    assert row["image"] == {"url": "https://s.rfi.fr/media/paris.jpg", "caption": "巴黎", "credit": None}


def test_duckdb_reads_both_editions_with_their_types(dataset):
    import duckdb
    folder, _ = dataset
    data = folder / "dataset" / "data"
    connection = duckdb.connect()
    described = connection.sql(f"DESCRIBE SELECT * FROM '{data}/*/*.parquet'").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [
        ("id", "VARCHAR"), ("url", "VARCHAR"), ("edition", "VARCHAR"), ("language", "VARCHAR"),
        ("section", "VARCHAR"), ("title", "VARCHAR"), ("lede", "VARCHAR"), ("paragraphs", "VARCHAR[]"),
        ("published", "TIMESTAMP WITH TIME ZONE"), ("modified", "TIMESTAMP WITH TIME ZONE"),
        ("authors", "VARCHAR[]"), ("tags", "VARCHAR[]"),
        ("image", "STRUCT(url VARCHAR, caption VARCHAR, credit VARCHAR)"),
        ("alternates", 'STRUCT("zh-Hans" VARCHAR, "zh-Hant" VARCHAR)'), ("version", "BIGINT"),
        ("source", "VARCHAR"), ("fetched_at", "TIMESTAMP WITH TIME ZONE"),
        ("crawled_at", "TIMESTAMP WITH TIME ZONE"), ("via", "VARCHAR"),
    ]
    assert connection.sql(
        f"SELECT edition, count(*), count(DISTINCT id) FROM '{data}/*/*.parquet' GROUP BY edition ORDER BY edition"
    ).fetchall() == [("cn", 4, 4), ("tw", 2, 2)]
    assert connection.sql(
        f"""SELECT epoch_us(published), image.url, alternates."zh-Hant", paragraphs[2], len(tags)
            FROM '{data}/rfi_cn/*.parquet' WHERE id = 'rfi-cn-00000000000000000003'"""
    ).fetchall() == [(int(utc("2024-01-20T12:00:00+00:00").timestamp() * 1_000_000),
                      "https://s.rfi.fr/media/paris.jpg",
                      "https://www.rfi.fr/tw/%E6%B3%95%E5%9C%8B/20240120-article-3", "第二段。", 2)]


def card_parts(folder):
    import yaml
    text = (folder / "dataset" / "README.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def test_card_front_matter_names_a_config_per_edition_with_its_files_and_count(dataset):
    import pyarrow as pa
    import pyarrow.parquet as pq
    folder, _ = dataset
    front, _ = card_parts(folder)
    # num_bytes: the rows' size in Arrow, as built from Python values (what `datasets` checks is num_examples).
    arrow_bytes = {}
    for spider in ("rfi_cn", "rfi_tw"):
        table = pq.read_table(folder / "dataset" / "data" / spider)
        arrow_bytes[spider] = pa.Table.from_pylist(table.to_pylist(), schema=table.schema).nbytes
    assert front == {
        "pretty_name": "RFI Chinese service articles",
        "language": ["zh"],
        "license": "other",
        "size_categories": ["n<1K"],
        "configs": [
            {"config_name": "cn", "data_files": [{"split": "train", "path": "data/rfi_cn/*.parquet"}]},
            {"config_name": "tw", "data_files": [{"split": "train", "path": "data/rfi_tw/*.parquet"}]},
        ],
        "dataset_info": [
            {"config_name": "cn", "splits": [{"name": "train", "num_bytes": arrow_bytes["rfi_cn"], "num_examples": 4}]},
            {"config_name": "tw", "splits": [{"name": "train", "num_bytes": arrow_bytes["rfi_tw"], "num_examples": 2}]},
        ],
    }


def test_card_body_counts_sections_versions_coverage_provenance_loading_and_rights(dataset):
    folder, _ = dataset
    _, body = card_parts(folder)
    lines = body.splitlines()
    assert "| `cn` | zh-Hans | 4 | 2024-01-10 | 2024-04-02 | 0 | 1 (25.0%) | `data/rfi_cn/*.parquet` |" in lines
    assert "| `tw` | zh-Hant | 2 | 2024-02-15 | 2024-03-10 | 0 | 0 (0.0%) | `data/rfi_tw/*.parquet` |" in lines
    sections = lines.index("### Articles per section")
    assert lines[sections + 2:sections + 15] == [
        "`cn`:", "", "| section | articles | % |", "|---|---:|---:|",
        "| 中国 | 3 | 75.0% |", "| 法国 | 1 | 25.0% |", "",
        "`tw`:", "", "| section | articles | % |", "|---|---:|---:|", "| 中國 | 2 | 100.0% |", "",
    ]
    assert "| `lede` | `string` | 25.0 | 0.0 |" in lines
    assert "| `image` | `struct<url: string, caption: string, credit: string>` | 25.0 | 0.0 |" in lines
    assert "| `alternates` | `struct<zh-Hans: string, zh-Hant: string>` | 25.0 | 0.0 |" in lines
    assert "| `title` | `string` | 100.0 | 100.0 |" in lines
    assert "- Run files read: 3, holding 7 records (1 last line cut short by a stopped run, skipped)." in lines
    assert "- Sources (the articles' `source`): rfi 5, feedx 1 — `rfi` is rfi.fr itself; the others are " \
           "republications or web archives of its pages." in lines
    runs = f"{folder / 'output'} {folder / 'items'}"
    assert f"  scrapy dataset {runs} -o {folder / 'dataset'}" in lines
    assert f"- `{folder / 'items' / 'rfi_crawler' / 'rfi_tw' / '20240402T090000Z.jl'}`" in lines
    loading = lines.index("```python")
    assert lines[loading + 1:loading + 4] == [
        'pandas.read_parquet("data/rfi_cn")',
        "duckdb.sql(\"SELECT * FROM 'data/rfi_cn/*.parquet'\")",
        'datasets.load_dataset("path/or/user/repo", "cn", split="train")',
    ]
    assert "belong to RFI (France Médias Monde)" in body and "needs RFI's permission" in body
    assert "![Articles per month](plots/articles_per_month.png)" in lines
    assert "![Field coverage](plots/field_coverage.png)" in lines


def test_plots_are_png_and_a_month_without_articles_is_a_gap(dataset):
    import pyarrow.parquet as pq
    folder, _ = dataset
    for name in ("articles_per_month.png", "field_coverage.png"):
        assert (folder / "dataset" / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The series behind the plot, from the rows as written.
    editions = {}
    for spider in ("rfi_cn", "rfi_tw"):
        editions[spider] = EditionStats()
        for row in pq.read_table(folder / "dataset" / "data" / spider).to_pylist():
            editions[spider].add(row)
    months, series = monthly_series(editions)
    assert months == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
    assert [None if math.isnan(count) else count for count in series["rfi_cn"]] == [2.0, None, 1.0, 1.0]
    assert [None if math.isnan(count) else count for count in series["rfi_tw"]] == [None, 1.0, 1.0, None]


def test_files_split_at_rows_per_file_and_a_rerun_replaces_the_folder_whole(dataset, tmp_path):
    import pyarrow.parquet as pq
    runs = write_runs(tmp_path)
    output = tmp_path / "dataset"
    shutil.copytree(dataset[0] / "dataset", output)  # an earlier build, with both editions
    built = run_dataset(runs[0], "-o", output, "--rows-per-file", "3")
    assert built.returncode == 0, built.stderr
    assert sorted(str(path.relative_to(output)) for path in output.rglob("*.parquet")) == [
        "data/rfi_cn/train-00000-of-00002.parquet", "data/rfi_cn/train-00001-of-00002.parquet"]
    assert [pq.read_table(path).column("id").to_pylist() for path in sorted((output / "data" / "rfi_cn").iterdir())] \
        == [CN_IDS[:3], CN_IDS[3:]]
    assert "files of at most 3 rows" in (output / "README.md").read_text(encoding="utf-8")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dataset", "items", "output"]


def test_malformed_line_stops_with_file_and_line_and_nothing_is_written(tmp_path):
    runs = write_runs(tmp_path)
    broken = write_run(tmp_path / "output" / "rfi_cn" / "2024-05-01T09-00-00+00-00.jsonl", [])
    broken.write_text('{"id": "rfi-cn-1", "title" "no colon"}\n' + json.dumps(article("cn", 9, "2024-05-01T08:00:00+00:00")) + "\n",
                      encoding="utf-8")
    built = run_dataset(*runs, "-o", tmp_path / "dataset")
    assert built.returncode == 1
    assert built.stderr.endswith(f"dataset: {broken}:1: not valid JSON (Expecting ':' delimiter)\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["items", "output"]


@pytest.mark.parametrize("field, value, message", [
    ("paragraphs", "一段，不是列表。", '"paragraphs" is not a list (got str)'),
    ("title", 5, '"title" does not fit string (Expected bytes, got a \'int\' object)'),
    ("modified", "昨天", '"modified" is not an ISO 8601 date-time (got \'昨天\')'),
])
def test_a_value_the_schema_cannot_hold_stops_with_file_and_line_and_keeps_the_old_dataset(
        dataset, tmp_path, field, value, message):
    runs = write_runs(tmp_path)
    output = tmp_path / "dataset"
    shutil.copytree(dataset[0] / "dataset", output)
    broken = write_run(tmp_path / "output" / "rfi_cn" / "2024-05-01T09-00-00+00-00.jsonl", [
        article("cn", 8, "2024-05-01T08:00:00+00:00"),
        {**article("cn", 9, "2024-05-02T08:00:00+00:00"), field: value},
    ])
    built = run_dataset(*runs, "-o", output)
    assert (built.returncode, built.stdout, built.stderr) == (1, "", f"dataset: {broken}:2: {message}\n")
    assert (output / "README.md").read_bytes() == (dataset[0] / "dataset" / "README.md").read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dataset", "items", "output"]


@pytest.mark.parametrize("arguments, message", [
    ((), "dataset: no RUNS given (usage: scrapy dataset RUNS [RUNS ...] -o DIR)\n"),
    (("{empty}",), "dataset: no run files (*.jsonl, *.jl) in {empty}\n"),
])
def test_empty_runs_exit_2(tmp_path, arguments, message):
    empty = tmp_path / "runs"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a run file", encoding="utf-8")
    built = run_dataset(*[argument.format(empty=empty) for argument in arguments], "-o", tmp_path / "dataset")
    assert (built.returncode, built.stdout, built.stderr) == (2, "", message.format(empty=empty))
    assert not (tmp_path / "dataset").exists()


def test_a_folder_this_command_did_not_write_is_not_replaced(tmp_path):
    runs = write_runs(tmp_path)
    output = tmp_path / "notes"
    output.mkdir()
    (output / "thesis.tex").write_text("months of work", encoding="utf-8")
    built = run_dataset(*runs, "-o", output)
    assert (built.returncode, built.stderr) == (2, f"dataset: {output} holds thesis.tex, which scrapy dataset does "
                                                   "not write: refusing to replace it; give a new folder, or one an "
                                                   "earlier build wrote\n")
    assert [path.name for path in output.iterdir()] == ["thesis.tex"]


def test_without_the_dataset_libraries_it_says_which_file_to_install(tmp_path, monkeypatch):
    runs = write_runs(tmp_path)
    for name in [name for name in sys.modules if name.startswith("crawler.dataset.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what `import pyarrow` finds: not installed
    built = run_dataset(*runs, "-o", tmp_path / "dataset")
    assert (built.returncode, built.stdout, built.stderr) == (
        1, "", "dataset: pyarrow is not installed: pip install -r requirements-dataset.txt\n")
    assert not (tmp_path / "dataset").exists()


def test_scrapy_loads_its_commands_without_the_dataset_libraries():
    code = ("import sys; from scrapy.cmdline import _get_commands_dict; "
            "from scrapy.utils.project import get_project_settings; "
            "commands = _get_commands_dict(get_project_settings(), inproject=True); "
            "print('dataset' in commands, sorted({'pyarrow', 'matplotlib', 'yaml'} & set(sys.modules)))")
    process = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                             env=CRAWL_ENV, timeout=60)
    assert process.stdout == "True []\n", process.stderr


def test_each_edition_goes_to_the_folder_of_the_spider_that_crawls_it():
    settings = Settings()
    settings.setmodule("crawler.settings")
    loader = SpiderLoader.from_settings(settings)
    assert {code: loader.load(spider).edition.code for code, spider in SPIDERS.items()} == {"cn": "cn", "tw": "tw"}
