"""What a fetched page says about itself, for a link's preview: its <title> and the
Open Graph / description <meta> tags, read from its <head> in one bounded pass."""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from .models import DESCRIPTION_MAX, TITLE_MAX, URL_MAX


@dataclass
class Preview:
    head_title: str = ""
    open_graph_title: str = ""
    description: str = ""
    image: str = ""


HEAD_MAX = 64 * 1024  # what of a page is read: everything a preview needs is in <head>
TAGS_MAX = 2_000  # start tags looked at, at most


class _HeadReader(HTMLParser):
    """The page's <title> and <meta> values, read in one pass that stops at </head>,
    <body> or TAGS_MAX tags: no tree is built (a 512 KiB page of nested tags cost
    2.5 s of CPU as a BeautifulSoup tree, outside any deadline)."""

    class Done(Exception):
        pass

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.meta: dict[str, str] = {}
        self._in_title = False
        self._tags = 0

    def handle_starttag(self, tag, attrs):
        self._tags += 1
        if tag == "body" or self._tags > TAGS_MAX:
            raise self.Done
        if tag == "title":
            self._in_title = not self.title
        elif tag == "meta":
            values = dict(attrs)
            key = (values.get("property") or values.get("name") or "").lower()
            content = values.get("content")
            if key and content and key not in self.meta:
                self.meta[key] = " ".join(content.split())

    def handle_endtag(self, tag):
        if tag == "head":
            raise self.Done
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)

    def first(self, *keys: str) -> str:
        return next((self.meta[key] for key in keys if key in self.meta), "")


def read_head(html: str) -> _HeadReader:
    reader = _HeadReader()
    try:
        reader.feed(html[:HEAD_MAX])
        reader.close()
    except _HeadReader.Done:
        pass
    return reader


def parse_preview(html: str, base_url: str) -> Preview:
    head = read_head(html)
    title = " ".join("".join(head.title).split())
    image = head.first("og:image", "og:image:url", "twitter:image")
    if image:
        image = urljoin(base_url, image)
        if urlsplit(image).scheme not in ("http", "https") or len(image) > URL_MAX:
            image = ""
    return Preview(
        head_title=title[:TITLE_MAX],
        open_graph_title=head.first("og:title", "twitter:title")[:TITLE_MAX],
        description=head.first("og:description", "description", "twitter:description")[:DESCRIPTION_MAX],
        image=image,
    )
