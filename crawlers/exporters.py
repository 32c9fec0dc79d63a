"""Feed exports of plain Scrapy (``scrapy crawl weibo -a source=S -o mentions.jsonl``)
write one record per stored mention.

The pipelines pass the mentions of a page along as one :class:`MentionBatch` (see
crawlers/middlewares.py), and the StorePipeline scores and stores them in batches of up to
``RADAR_STORE_BATCH`` after Scrapy has already reported the page's items scraped. So
these exporters, registered for Scrapy's format names in ``FEED_EXPORTERS``, unpack each
batch and hold its mentions back until they are stored: a record carries the sentiment,
complaint category and story the store holds, and a mention the store never took (a
failed run) is not exported. JSON, JSON lines and XML get the Mention document (as the
store and the API hold it); CSV gets the flat columns of the care team's CSV export
(formula-safe, see index/records.py). Items of other kinds are exported as Scrapy would.
"""

from __future__ import annotations

from typing import Any

from scrapy.exporters import (
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    XmlItemExporter,
)

from crawlers.items import MentionBatch, MentionItem
from index.models import Mention
from index.records import CSV_COLUMNS, csv_row


def mention_items(item: Any) -> list[MentionItem] | None:
    """The MentionItems an item carries, or None for an item of another kind."""
    if isinstance(item, MentionBatch):
        return list(item.items)
    if isinstance(item, MentionItem):
        return [item]
    return None


class _PerStoredMention:
    """Exports each mention of a batch as its own record, once it is stored."""

    def start_exporting(self) -> None:
        self.waiting: list[MentionItem] = []
        super().start_exporting()  # type: ignore[misc]

    def export_item(self, item: Any) -> None:
        items = mention_items(item)
        if items is None:
            super().export_item(item)  # type: ignore[misc]
        else:
            self.waiting += items
        self._write_stored()

    def finish_exporting(self) -> None:
        self._write_stored()  # the pipelines have flushed their last batch by now
        super().finish_exporting()  # type: ignore[misc]

    def _write_stored(self) -> None:
        still = []
        for item in self.waiting:
            if item.stored:
                super().export_item(self.record(item.mention))  # type: ignore[misc]
            else:
                still.append(item)
        self.waiting = still

    def record(self, mention: Mention) -> dict[str, Any]:
        return mention.model_dump(mode="json")


class JsonMentionExporter(_PerStoredMention, JsonItemExporter):
    pass


class JsonLinesMentionExporter(_PerStoredMention, JsonLinesItemExporter):
    pass


class XmlMentionExporter(_PerStoredMention, XmlItemExporter):
    pass


class CsvMentionExporter(_PerStoredMention, CsvItemExporter):
    def __init__(self, file: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fields_to_export", list(CSV_COLUMNS))
        super().__init__(file, **kwargs)

    def record(self, mention: Mention) -> dict[str, Any]:
        cells = csv_row(mention, lambda when: when.isoformat())
        return dict(zip(CSV_COLUMNS, cells, strict=True))
