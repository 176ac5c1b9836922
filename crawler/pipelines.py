"""Item pipelines, in the order settings.ITEM_PIPELINES runs them."""

import copy
import logging

import fastjsonschema
from scrapy import signals
from scrapy.exceptions import DropItem
from spidermon.contrib.scrapy.pipelines import ItemValidationPipeline
from spidermon.contrib.validation.jsonschema.tools import get_schema_from

from crawler.exporters import line_written
from crawler.incremental import IncrementalState

logger = logging.getLogger(__name__)


class VersionArticles:
    """Number each emitted version of an article; drop content the dataset already holds.

    The incremental state decides (crawler.incremental.IncrementalState.version_for): a new
    article is version 1; changed content, or a later `modified` date, is the stored version + 1;
    the same content fetched again is not emitted again. Once a feed has written the line, the
    state holds that version. Without INCREMENTAL every article is version 1.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = IncrementalState.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        if pipeline.state is not None:
            # Connected after FeedExporter (extensions are built before pipelines), so the line is
            # written, or not, when the handler runs.
            crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    def process_item(self, item):
        version = self.state.version_for(item) if self.state else 1
        if version is None:
            self.stats.inc_value("articles/unchanged")
            raise DropItem(f"unchanged since the last run: {item['url']}", log_level="DEBUG")
        item["version"] = version
        self.stats.inc_value("articles/updated" if version > 1 else "articles/new")
        return item

    def item_scraped(self, item):
        # Held only if a feed wrote its line: a feed that failed must not lose the article
        # (crawler.verdict counts it as failed).
        if line_written(self.crawler, item):
            self.state.mark_written(item)


class ValidateArticles(ItemValidationPipeline):
    """spidermon's ItemValidationPipeline, with the schema also compiled by fastjsonschema in front.

    Without it a crawled page costs 54% more CPU (bench/FINDINGS.md). An item the compiled check
    accepts is counted as spidermon counts it; only one it rejects goes through spidermon's own
    validator, so the stats and messages the monitors read are unchanged.
    """

    @classmethod
    def _load_jsonschema_validator(cls, schema):
        return _CompiledFirst(super()._load_jsonschema_validator(schema),
                              get_schema_from(schema) if isinstance(schema, str) else schema)

    def process_item(self, item, spider=None):
        validators = self.find_validators(item)
        # Article values are JSON types already: a shallow dict is what spidermon's asdict() builds.
        data = dict(item)
        if validators and all(validator.accepts(data) for validator in validators):
            self.stats.add_item()
            self.stats.add_fields(len(data))
            return item
        return super().process_item(item, spider)


class _CompiledFirst:
    def __init__(self, validator, schema):
        self.validator = validator
        # A copy: fastjsonschema rewrites the schema's "$ref"s in place, against its "$id".
        self.check = fastjsonschema.compile(copy.deepcopy(schema))

    def __getattr__(self, name):  # validate(), name and the rest: spidermon's validator, for rejected items
        return getattr(self.validator, name)

    def accepts(self, data):
        try:
            self.check(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

