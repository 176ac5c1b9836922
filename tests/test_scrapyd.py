"""End to end under scrapyd: deploy the project with scrapyd-deploy, schedule rfi_cn, read its items.

A real scrapyd runs on 127.0.0.1 with a temporary config and HTTP authentication on, as
deploy/scrapyd.conf has it; the project is deployed to it with the `scrapyd-deploy` CLI as a
user does (an egg built by setup.py), and the spider is scheduled through schedule.json
against a mirror of rfi.fr. The crawl runs from the egg only: scrapyd's environment has
neither the work tree nor PYTHONPATH. A second scrapyd, on the same eggs, joins for
`scrapy schedule_backfill`, a backfill split over two nodes.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from configparser import ConfigParser
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote, unquote, urlencode, urlsplit
from urllib.request import Request, urlopen

import pytest

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install -r requirements-scrapyd.txt)")
pytest.importorskip("scrapyd_client",
                    reason="scrapyd-client is not installed (pip install -r requirements-scrapyd.txt)")

from crawler.commands.dataset import Command as DatasetCommand  # noqa: E402
from crawler.commands.schedule_backfill import Command as ScheduleBackfillCommand  # noqa: E402
from tests.conftest import REPO, VALIDATOR, free_port, run_command, stop  # noqa: E402
from tests.fixtures.articles import ARTICLES  # noqa: E402
from tests.mirror.server import Mirror  # noqa: E402
from tests.mirror.site import build_site  # noqa: E402

PROJECT = "rfi_crawler"  # scrapy.cfg's [deploy] project
EXPECTED_FIELDS = ("title", "lede", "paragraphs", "published", "modified", "image", "authors", "tags", "section")
JOB_TIMEOUT = 120
USERNAME, PASSWORD = "rfi", "p@ss:word"  # characters a URL must percent-encode


class Scrapyd:
    """A scrapyd process on 127.0.0.1 with its own config and folders under `root`."""

    def __init__(self, root: Path, eggs_dir=None):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        # How `scrapy schedule_backfill --nodes` takes a node: the credentials in the URL.
        self.url_with_credentials = f"http://{USERNAME}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}"
        self.logs_dir, self.items_dir, self.dbs_dir = (root / name for name in ("logs", "items", "dbs"))
        self.eggs_dir = eggs_dir or root / "eggs"
        self.log = root / "scrapyd.log"
        self.process = None
        # No PYTHONPATH and a working folder outside the work tree: the crawl can import
        # `crawler` from the deployed egg only.
        self.env = {name: value for name, value in os.environ.items()
                    if name not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}

    def write_config(self):
        # scrapyd reads scrapyd.conf from the folder it starts in.
        (self.root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {self.eggs_dir}\n"
            f"logs_dir = {self.logs_dir}\n"
            f"items_dir = {self.items_dir}\n"
            f"dbs_dir = {self.dbs_dir}\n"
            f"username = {USERNAME}\n"
            f"password = {PASSWORD}\n"
            "jobs_to_keep = 5\n"
            "max_proc = 1\n"
            # Default 5 s: how often scrapyd looks for scheduled jobs.
            "poll_interval = 0.2\n",
            encoding="utf-8",
        )

    def start(self, timeout=30):
        self.write_config()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "scrapyd", "--pidfile="], cwd=self.root,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"scrapyd exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"scrapyd did not answer daemonstatus.json in {timeout} s:\n{self.log_text()[-3000:]}")

    def stop(self):
        stop(self.process)

    def get(self, endpoint, **query):
        return self.request(endpoint + ("?" + urlencode(query) if query else ""))

    def post(self, endpoint, fields):
        return self.request(endpoint, data=urlencode(fields).encode())

    def request(self, endpoint, data=None, credentials=(USERNAME, PASSWORD)):
        request = Request(self.url + endpoint, data=data)
        if credentials:
            token = base64.b64encode(":".join(credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urlopen(request, timeout=10) as response:
            return json.load(response)

    def log_text(self):
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def schedule(self, *arguments, settings):
        fields = [("project", PROJECT), ("spider", "rfi_cn")]
        fields += [("setting", f"{name}={value}") for name, value in settings.items()]
        fields += [tuple(argument.split("=", 1)) for argument in arguments]
        answer = self.post("schedule.json", fields)
        assert answer["status"] == "ok", answer
        return answer["jobid"]

    def wait_finished(self, job, timeout=JOB_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for finished in self.get("listjobs.json", project=PROJECT)["finished"]:
                if finished["id"] == job:
                    return finished
            time.sleep(0.2)
        raise AssertionError(f"job {job} not finished after {timeout} s:\n{self.log_text()[-3000:]}")

    def job_log(self, job):
        path = self.logs_dir / PROJECT / "rfi_cn" / f"{job}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def job_lines(self, job):
        """scrapyd's own log lines about a job: how its process ended and what it wrote to stderr."""
        lines = self.log_text().splitlines()
        pids = {line.split(" pid=", 1)[1].split(" ", 1)[0]
                for line in lines if f"job='{job}'" in line and " pid=" in line}
        return [line for line in lines if f"job='{job}'" in line or any(f"[Launcher,{pid}/" in line for pid in pids)]


def deploy(server, root):
    """`scrapyd-deploy` from a copy of the project, with a [deploy:test] target pointing at `server`.

    A copy, so that building the egg (setup.py writes build/ and *.egg-info) leaves the work
    tree alone; the target inherits `project` from the project's own [deploy] section and has
    the credentials, the password from the environment as a user would keep it.
    """
    project = root / "project"
    shutil.copytree(REPO / "crawler", project / "crawler", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("setup.py", "scrapy.cfg"):
        shutil.copy2(REPO / name, project / name)
    with open(project / "scrapy.cfg", "a", encoding="utf-8") as config:
        config.write(f"\n[deploy:test]\nurl = {server.url}\nusername = {USERNAME}\npassword = $TEST_SCRAPYD_PASSWORD\n")
    # The `scrapyd-deploy` console script is scrapyd_client.deploy:main; -m runs it with this Python.
    process = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "test"],
                             cwd=project, env={**egg_build_env(server.env), "TEST_SCRAPYD_PASSWORD": PASSWORD},
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr + process.stdout
    answer = json.loads(process.stdout.strip().splitlines()[-1])
    assert answer["status"] == "ok", answer.get("message", answer)
    return answer


def egg_build_env(env):
    """The environment to build the egg in, as a machine that lets Python write bytecode: the egg holds
    each module compiled, so that scrapyd's processes do not compile them again (PYTHONDONTWRITEBYTECODE,
    where it is set, makes setup.py leave them out)."""
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


@pytest.fixture(scope="module")
def site():
    with Mirror() as mirror:
        yield mirror, build_site(mirror, [fixture.spec for fixture in ARTICLES])


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    root = tmp_path_factory.mktemp("scrapyd")
    server = Scrapyd(root)
    try:
        server.start()
        server.deployed = deploy(server, root)
        yield server
    finally:
        server.stop()


def test_the_deployed_egg_holds_the_project_and_lists_the_spider(scrapyd):
    deployed = scrapyd.deployed
    # scrapyd ran `scrapy list` from the egg for addversion.json: both spiders load from it.
    assert deployed["project"] == PROJECT and deployed["spiders"] == 2
    egg = scrapyd.eggs_dir / PROJECT / f"{deployed['version']}.egg"
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = ConfigParser()
        entry_points.read_string(archive.read("EGG-INFO/entry_points.txt").decode())
        schema = json.loads(archive.read("crawler/schemas/article.json"))
    assert {"crawler/settings.py", "crawler/editions.py", "crawler/spiders/rfi.py", "crawler/spiders/rfi_cn.py",
            "crawler/spiders/rfi_tw.py", "crawler/commands/crawl.py"} <= names
    assert schema == json.loads((REPO / "crawler" / "schemas" / "article.json").read_text(encoding="utf-8"))
    assert entry_points.get("scrapy", "settings").strip() == "crawler.settings"
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_scheduled_run_writes_every_fixture_article_to_items_dir(scrapyd, site, tmp_path):
    mirror, built = site
    state_dir = tmp_path / "state"
    job = scrapyd.schedule(settings={"RFI_BASE_URL": mirror.base_url, "STATE_DIR": state_dir,
                                     "AUTOTHROTTLE_ENABLED": 0, "DOWNLOAD_DELAY": 0})
    finished = scrapyd.wait_finished(job)
    context = "\n".join(scrapyd.job_lines(job))[-3000:] + "\n" + scrapyd.job_log(job)[-3000:]
    # A job whose process exits non-zero is listed as finished all the same; only scrapyd's log tells.
    assert any("Process finished:" in line for line in scrapyd.job_lines(job)), context

    items_file = scrapyd.items_dir / PROJECT / "rfi_cn" / f"{job}.jl"
    assert finished["items_url"] == f"/items/{PROJECT}/rfi_cn/{job}.jl"
    assert items_file.exists(), context
    lines = items_file.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    for item in items:
        errors = sorted(VALIDATOR.iter_errors(item), key=str)
        assert not errors, f"{item.get('url')}: {errors[0].message} at {list(errors[0].absolute_path)}"
    assert not any("\\u" in line for line in lines), "output must be UTF-8, not \\u escapes"

    by_path = {unquote(urlsplit(item["url"]).path): item for item in items}
    assert sorted(by_path) == sorted(fixture.spec.path for fixture in ARTICLES)
    assert len(items) == len(ARTICLES)
    for fixture in ARTICLES:
        item = by_path[fixture.spec.path]
        for field in EXPECTED_FIELDS:
            if field in fixture.expected:
                assert item[field] == fixture.expected[field], f"{fixture.name}: {field}"
        assert item["url"] == built.articles[fixture.spec.path]
        assert (item["edition"], item["language"], item["source"], item["version"]) == ("cn", "zh-Hans", "rfi", 1)

    # The state went where schedule.json said, the log to logs_dir, and nothing next to the egg
    # (the project's default output/ and state/ hang off the egg's path).
    assert (state_dir / "rfi_cn.sqlite3").exists()
    assert f"Summary: discovered {len(ARTICLES)}, fetched {len(ARTICLES)}, new {len(ARTICLES)}," in scrapyd.job_log(job)
    assert sorted(path.relative_to(scrapyd.eggs_dir).as_posix() for path in scrapyd.eggs_dir.rglob("*")) == [
        PROJECT, f"{PROJECT}/{scrapyd.deployed['version']}.egg"]


def test_a_failed_run_shows_its_exit_code_in_scrapyds_log_only(scrapyd, site, tmp_path):
    mirror, _ = site
    mirror.clear_log()
    job = scrapyd.schedule("since=2024-02-30", settings={"RFI_BASE_URL": mirror.base_url,
                                                         "STATE_DIR": tmp_path / "state"})
    finished = scrapyd.wait_finished(job)
    lines = scrapyd.job_lines(job)
    # listjobs.json has no exit status: the job is "finished" like a good one.
    assert set(finished) == {"id", "project", "spider", "start_time", "end_time", "log_url", "items_url"}
    assert any(f"Process died: exitstatus=2 project='{PROJECT}' spider='rfi_cn' job='{job}'" in line
               for line in lines), "\n".join(lines)
    assert any("/stderr] rfi_cn: bad argument: since=2024-02-30 is not a date" in line
               for line in lines), "\n".join(lines)
    assert mirror.requests == []


def test_the_api_refuses_a_request_without_the_credentials(scrapyd):
    fields = urlencode({"project": PROJECT, "spider": "rfi_cn", "jobid": "unauthenticated"}).encode()
    for credentials in (None, (USERNAME, "wrong")):
        with pytest.raises(HTTPError) as refused:
            scrapyd.request("schedule.json", data=fields, credentials=credentials)
        assert refused.value.code == 401
        assert refused.value.headers["WWW-Authenticate"] == 'basic realm="Scrapyd"'
    listed = scrapyd.get("listjobs.json", project=PROJECT)
    assert "unauthenticated" not in [job["id"] for state in ("pending", "running", "finished") for job in listed[state]]


def test_a_backfill_split_over_two_nodes_merges_into_every_article_once(scrapyd, site, tmp_path_factory, tmp_path):
    pytest.importorskip("pyarrow", reason="the dataset libraries are not installed (requirements-dataset.txt)")
    import pyarrow.parquet as pq

    mirror, built = site
    # Two nodes on one host, as scrapyd allows: the second runs the egg deployed to the first (one
    # eggs_dir) with logs, items and its job queue of its own.
    second = Scrapyd(tmp_path_factory.mktemp("scrapyd-b"), eggs_dir=scrapyd.eggs_dir)
    try:
        second.start()
        assert second.get("listprojects.json")["projects"] == [PROJECT]
        exitcode, stdout, stderr = run_command(
            ScheduleBackfillCommand, "--since", "2024-02-10", "--until", "2024-03-10",
            "--nodes", f"{scrapyd.url_with_credentials},{second.url_with_credentials}",
            "--state-dir", tmp_path / "state-{node}", "--interval", "0.2", "--timeout", JOB_TIMEOUT,
            "-s", f"RFI_BASE_URL={mirror.base_url}", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0")
        context = stderr + stdout + scrapyd.log_text()[-2000:] + second.log_text()[-2000:]
    finally:
        second.stop()
    assert exitcode == 0, context

    first_node, second_node = f"127.0.0.1:{scrapyd.port}", f"127.0.0.1:{second.port}"
    # One month per node (the split of more months is tested in-process), both ends clipped.
    windows = {"rfi_cn-2024-02": (first_node, "2024-02-10..2024-02-29", 2),  # hk_data_bill, asia_snow_video
               "rfi_cn-2024-03": (second_node, "2024-03-01..2024-03-10", 1)}  # intl_ocean_heat
    lines = stdout.splitlines()
    assert lines[:2] == [f"scheduled {job} ({window}) on {node}" for job, (node, window, _) in windows.items()]
    assert sorted(lines[2:4]) == sorted(
        f"{node} {window} finished: discovered {count}, fetched {count}, new {count}, updated 0, "
        "skipped as unchanged 0, dropped 0 {}, failed 0 {}" for node, window, count in windows.values())
    assert lines[4:] == ["all 2 jobs finished"] and stderr == ""
    assert PASSWORD not in stdout and quote(PASSWORD, safe="") not in stdout
    # Each node's state is its own.
    assert (tmp_path / f"state-127.0.0.1_{scrapyd.port}" / "rfi_cn.sqlite3").exists()
    assert (tmp_path / f"state-127.0.0.1_{second.port}" / "rfi_cn.sqlite3").exists()

    items = [scrapyd.items_dir / PROJECT / "rfi_cn" / "rfi_cn-2024-02.jl",
             second.items_dir / PROJECT / "rfi_cn" / "rfi_cn-2024-03.jl"]
    in_window = sorted(fixture.spec.path for fixture in ARTICLES
                       if "20240210" <= fixture.spec.path.rsplit("/", 1)[1][:8] <= "20240310")
    assert len(in_window) == 3
    # Disjoint windows: no article is written by two jobs, even before the dataset keeps one row per id.
    written = [json.loads(line) for path in items for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted(unquote(urlsplit(item["url"]).path) for item in written) == in_window

    exitcode, stdout, stderr = run_command(DatasetCommand, *items, "-o", tmp_path / "dataset")
    assert exitcode == 0, stderr
    table = pq.read_table(tmp_path / "dataset" / "data" / "rfi_cn")
    assert table.num_rows == 3
    assert len(set(table.column("id").to_pylist())) == 3
    assert sorted(unquote(urlsplit(url).path) for url in table.column("url").to_pylist()) == in_window
