"""Data-quality monitors (spidermon), run when the spider closes.

What a redesign of rfi.fr looks like from here: pages still download, but
fields stop being found. The coverage of each field over the article pages
read is compared with RFI_FIELD_COVERAGE; when it drops, the run fails with a
report naming the fields, their coverage and sample URLs.

Each threshold is a setting; a monitor whose threshold is unset skips itself,
so an unconfigured check never aborts the suite.
"""

import logging
import warnings

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

logger = logging.getLogger(__name__)

# spidermon 1.27 (the newest release) reports each monitor through Spider.log(), which Scrapy 2.19
# deprecates; the warning is about spidermon's code, not ours, and printed it on every run.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning,
                        module=r"spidermon\.")

SAMPLES = 3


def record_coverage(stats, article, where, fields):
    """Count which of `fields` (RFI_FIELD_COVERAGE's) an extracted page has, keeping a few examples
    of pages without them."""
    inc_value = stats.inc_value  # looked up once: Scrapy's stats collector wraps every attribute access
    inc_value("coverage/pages")
    for field in fields:
        if article.get(field):
            inc_value(f"coverage/{field}")
        else:
            samples = stats.get_value(f"coverage/missing/{field}") or []
            if len(samples) < SAMPLES:
                stats.set_value(f"coverage/missing/{field}", [*samples, where])


class ThresholdMonitor(Monitor):
    def threshold(self, name, kind=int):
        value = self.data.crawler.settings.get(name)
        if value is None or value == "":
            self.skipTest(f"{name} is not set")
        return kind(value)

    def stat(self, name):
        return self.data.stats.get(name, 0) or 0

    def check_at_most(self, setting, stat, what):
        """Fail when the stat exceeds the setting's threshold; skip when the setting is unset."""
        maximum = self.threshold(setting)
        count = self.stat(stat)
        if count > maximum:
            self.fail(f"{count} {what} (at most {maximum})")


@monitors.name("Field coverage")
class FieldCoverageMonitor(ThresholdMonitor):
    @monitors.name("Fields are found on enough article pages")
    def test_field_coverage(self):
        required = self.data.crawler.settings.getdict("RFI_FIELD_COVERAGE")
        if not required:
            self.skipTest("RFI_FIELD_COVERAGE is not set")
        pages = self.stat("coverage/pages")
        minimum = self.threshold("RFI_COVERAGE_MIN_PAGES")
        if pages < minimum:
            self.skipTest(f"{pages} article pages read, fewer than RFI_COVERAGE_MIN_PAGES={minimum}")
        low = []
        for field, wanted in required.items():
            coverage = self.stat(f"coverage/{field}") / pages
            if coverage < float(wanted):
                samples = ", ".join(self.data.stats.get(f"coverage/missing/{field}") or [])
                low.append(f"{field} {coverage:.0%} < {float(wanted):.0%} (e.g. {samples})")
        if low:
            self.fail(f"field coverage dropped over {pages} article pages: " + "; ".join(low))


@monitors.name("Item validation")
class ItemValidationMonitor(ThresholdMonitor):
    @monitors.name("Items match the JSON Schema")
    def test_validation_errors(self):
        self.check_at_most("SPIDERMON_MAX_ITEM_VALIDATION_ERRORS", "spidermon/validation/items/errors",
                           "items failed the JSON Schema")


@monitors.name("Errors and blocking")
class ErrorMonitor(ThresholdMonitor):
    @monitors.name("Error log lines")
    def test_errors(self):
        self.check_at_most("SPIDERMON_MAX_ERRORS", "log_count/ERROR", "errors logged")

    @monitors.name("403 answers")
    def test_forbidden(self):
        self.check_at_most("RFI_MAX_403", "downloader/response_status_count/403", "pages answered 403")

    @monitors.name("Retries")
    def test_retries(self):
        self.check_at_most("SPIDERMON_MAX_RETRIES", "retry/count", "retries")

    @monitors.name("Finish reason")
    def test_finish_reason(self):
        expected = self.data.crawler.settings.getlist("SPIDERMON_EXPECTED_FINISH_REASONS")
        if not expected:
            self.skipTest("SPIDERMON_EXPECTED_FINISH_REASONS is not set")
        reason = self.data.stats.get("finish_reason")
        if reason not in expected:
            self.fail(f"the run finished with {reason!r}, not one of {expected}")


class FailTheRun(Action):
    """A failed monitor fails the run: its report, one line, goes to the stats, where crawler.verdict reads it."""

    def run_action(self):
        reasons = [f"{result.monitor.name}: {result.reason}" for result in self.result.monitors_failed_results]
        report = "data quality: " + " | ".join(" ".join(str(reason).split()) for reason in reasons)
        logger.error("Monitors failed: %s", report)
        self.data.crawler.stats.set_value("monitors/failure", report)


class SpiderCloseMonitorSuite(MonitorSuite):
    monitors = [FieldCoverageMonitor, ItemValidationMonitor, ErrorMonitor]
    monitors_failed_actions = [FailTheRun]
