"""An http(s) source: a URL with {date} for each day pulled. It answers a file (CSV or XLSX, read
as any export) or JSON records; with {page} (1, 2, …) or {offset} (records so far) in the URL,
pages are fetched until one has no records or the answer's total is reached, and an answer
naming a `next` URL is followed. An auth header comes from
KPIBOT_STATS_AUTH. A source that is down, slow or answers garbage is tried again after a wait;
one that refuses kpibot's credentials is not."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin
from urllib.request import Request, urlopen

from bot.config.settings import StatsSource
from bot.sources.batches import Batch, SourceError, Unreached, with_retries
from bot.sources.records import LIST_KEYS, records_at, records_in, records_table

MOST_PAGES = 10_000
MOST_BYTES = 200 * 1024 * 1024  # an answer larger than this is not stats


class WebSource:
    def __init__(self, stats: StatsSource):
        self.stats, self.timeout = stats, int(stats.timeout)

    def batches(self, days: list[date]) -> Iterator[Batch | Unreached]:
        urls = [self.stats.source.replace("{date}", d.isoformat()) for d in days] \
            if "{date}" in self.stats.source else [self.stats.source]
        with tempfile.TemporaryDirectory(prefix="kpibot-pull-") as folder:  # a fetched file, while imported
            for url in urls:
                try:
                    yield self._batch(url, Path(folder))
                except SourceError as err:
                    yield Unreached(url, err)

    def _batch(self, url: str, folder: Path) -> Batch:
        first = self._fetch(_page_url(url, 1, 0))
        if first.data is None:
            return self._file(url, first, folder)
        pages, got = [first], records_in(first.data, self.stats.records)
        records = list(got)
        while (target := self._next_page(url, pages, len(records), bool(got))) is not None:
            page = self._fetch(target)
            if page.body == pages[-1].body:  # an API that repeats its last page past the end
                break
            pages.append(page)
            got = records_in(page.data, self.stats.records)
            records += got
        digest = hashlib.sha256(b"\n".join(p.body for p in pages)).hexdigest()
        return Batch(url, digest, read=lambda columns: records_table(url, records, columns) if records else None)

    def _next_page(self, url: str, pages: list[Answer], records: int, last_had_any: bool) -> str | None:
        """The next page's URL: the answer's `next` link, else the next {page} or {offset} while
        the last page had records and the answer's total (when it gives one) is not reached."""
        last = pages[-1]
        following = last.data.get("next") if isinstance(last.data, dict) else None
        if len(pages) >= MOST_PAGES:
            return None
        if isinstance(following, str) and following:
            return urljoin(last.url, following)
        paged = "{page}" in url or "{offset}" in url
        total = _total(last.data, self.stats.records)
        if not paged or not last_had_any or (total is not None and records >= total):
            return None
        return _page_url(url, len(pages) + 1, records)

    def _file(self, url: str, answer: Answer, folder: Path) -> Batch:
        suffix = ".xlsx" if answer.body[:4] == b"PK\x03\x04" else ".csv"
        stem = Path(url.split("?")[0]).stem.replace("{page}", "") or "stats"
        path = folder / f"{stem}{suffix}"
        path.write_bytes(answer.body)
        return Batch(url, hashlib.sha256(answer.body).hexdigest(), path=path)

    def _fetch(self, url: str) -> Answer:
        """The answer at `url`, its JSON read; tried again while the source is down or garbled."""
        return with_retries(lambda: _read(self._get(url)))

    def _get(self, url: str) -> Answer:
        request = Request(url, headers={"Accept": "application/json, text/csv, */*", "User-Agent": "kpibot"})
        if self.stats.auth_header:
            request.add_header(*self.stats.auth_header)
        try:
            with urlopen(request, timeout=self.timeout) as response:
                body = response.read(MOST_BYTES + 1)
                kind = response.headers.get("Content-Type", "")
        except HTTPError as err:
            raise _http_error(err) from None
        except TimeoutError:
            raise SourceError("pull.down.timeout", seconds=self.timeout) from None
        except (URLError, OSError) as err:
            raise SourceError("pull.down.unreachable", reason=str(getattr(err, "reason", err))) from None
        if len(body) > MOST_BYTES:
            raise SourceError("pull.refused.too_large", most=MOST_BYTES // 1024 // 1024)
        return Answer(url, body, kind)


def _page_url(url: str, page: int, offset: int) -> str:
    return url.replace("{page}", str(page)).replace("{offset}", str(offset))


TOTALS = ("total", "totalCount", "total_count", "totalElements", "totalRecords")


def _total(body: Any, path: str | None) -> int | None:
    """How many records the answer says there are in all, when it says: at the top, beside the
    records, or in an object under a usual key (data, result, …)."""
    if not isinstance(body, dict):
        return None
    beside = [records_at(body, path.rpartition(".")[0])] if path and "." in path else []
    for level in (body, *beside, *(body.get(k) for k in LIST_KEYS)):
        if isinstance(level, dict):
            for key in TOTALS:
                if isinstance(level.get(key), int) and not isinstance(level.get(key), bool):
                    return level[key]
    return None


@dataclass
class Answer:
    url: str
    body: bytes
    kind: str  # its Content-Type
    data: Any = None  # its JSON, when it is JSON


def _read(answer: Answer) -> Answer:
    """The answer with its JSON read; garbage (HTML, JSON cut short) is a source down for now."""
    head = answer.body.lstrip()[:1]
    if head == b"<":
        raise SourceError("pull.down.garbage", what="HTML")
    if "json" in answer.kind or head in (b"{", b"["):
        try:
            answer.data = json.loads(answer.body)
        except ValueError:
            raise SourceError("pull.down.garbage", what="JSON") from None
    return answer


def _http_error(err: HTTPError) -> SourceError:
    if err.code in (401, 403):
        return SourceError("pull.refused.credentials", status=err.code)
    if err.code == 404:
        return SourceError("pull.refused.not_found", status=err.code)
    if err.code == 429 or err.code >= 500:
        return SourceError("pull.down.status", status=err.code)
    return SourceError("pull.refused.status", status=err.code)
