"""What the spiders yield (a Mention plus the context the pipelines need) and what the
pipelines get (the mentions of one response together, see crawlers/middlewares.py)."""

from __future__ import annotations

from dataclasses import dataclass

from index.models import Mention


@dataclass
class MentionItem:
    """One crawled post/comment/article.

    ``context_text`` is the text of the post this one belongs to (a comment's post, a
    repost's original): a mention that names no brand itself inherits the brands matched
    there, so the comments under a brand's post and the reposts of it count for the brand.
    ``listing`` is True for what a listing pages through (posts, threads' floors, feed
    entries): only those move the source's watermark (crawlers/cursor.py), not comments.
    ``stored`` is set by the StorePipeline once the mention is scored and in the store
    (feed exports wait for it, see crawlers/exporters.py).
    """

    mention: Mention
    context_text: str = ""
    listing: bool = True
    stored: bool = False


@dataclass
class MentionBatch:
    """The MentionItems one response yielded, handed to the item pipelines as one Scrapy
    item by :class:`crawlers.middlewares.MentionBatchMiddleware`: Scrapy's per-item
    machinery (spider middlewares, pipeline chain, signals) then runs once per page, not
    once per post. Each pipeline stage drops single mentions out of ``items``."""

    items: list[MentionItem]
