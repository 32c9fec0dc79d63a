"""What the spiders yield: a Mention plus the context the pipelines need."""

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
    """

    mention: Mention
    context_text: str = ""
    listing: bool = True
