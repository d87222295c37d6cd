"""WeCom: how a message looks there, as markdown or as plain text.

An app message holds at most 2,048 bytes of UTF-8 (a Chinese character is 3 of them), so a
longer one is cut by whole lines and its last line says how many more there were. WeCom's
markdown knows headings and quotes at the start of a line, **bold**, `code`, [links](…) and
<font> colours, and has no escape character: the few characters it would read as markup are
shown as their full-width look-alikes instead, and an indent is kept with no-break spaces.
"""

from __future__ import annotations

from messages.render import text

MOST_APP = 2048  # bytes of an app message's text or markdown
CUT = "…"
INLINE = str.maketrans({"*": "＊", "`": "｀", "<": "＜", "[": "［", "]": "］"})
LINE_START = {"#": "＃", ">": "＞"}
NO_BREAK_SPACE = "\u00a0"


def size(value: str) -> int:
    """Bytes of `value` in UTF-8, as WeCom counts them."""
    return len(value.encode("utf-8"))


def markdown(value: str) -> str:
    """The plain text of a rendered template as WeCom markdown, its first line bold."""
    lines = [_safe(line) for line in value.strip("\n").split("\n")]
    if lines[0].strip():
        lines[0] = f"**{lines[0]}**"
    return "\n".join(lines)


def _safe(line: str) -> str:
    """One line with nothing WeCom would read as markup; its indent kept."""
    body = line.translate(INLINE).lstrip(" ")
    if body[:1] in LINE_START:
        body = LINE_START[body[0]] + body[1:]
    return NO_BREAK_SPACE * (len(line) - len(line.lstrip(" "))) + body


def plain(value: str) -> str:
    """The plain text of a rendered template as a WeCom text message."""
    return value.strip("\n")


def fit(value: str, locale: str, most: int = MOST_APP) -> str:
    """`value` whole when it fits in `most` bytes; else its first lines, then "…and N more" for
    the lines left out. A first line too long to fit alone is cut at a character."""
    if size(value) <= most:
        return value
    lines = value.split("\n")
    kept: list[str] = []
    for n, line in enumerate(lines):
        if size("\n".join([*kept, line, _more(locale, len(lines) - n)])) > most:
            return "\n".join(kept + [_more(locale, len(lines) - n)]) if kept else _cut_first(lines, locale, most)
        kept.append(line)
    return value  # not reached: the whole did not fit


def _more(locale: str, n: int) -> str:
    return text(locale, "chat.more", n=n)


def _cut_first(lines: list[str], locale: str, most: int) -> str:
    """The first line cut short with "…" to leave room for the count of the other lines."""
    more = [_more(locale, len(lines) - 1)] if len(lines) > 1 else []
    room = most - size("\n".join(["", *more])) - size(CUT)
    return "\n".join([cut_bytes(lines[0], room) + CUT, *more])


def cut_bytes(value: str, most: int) -> str:
    """The longest start of `value` that fits in `most` bytes, ending at a whole character."""
    return value.encode("utf-8")[:max(0, most)].decode("utf-8", errors="ignore")


MOST_CARD_TEXT = 160  # characters of a template card's sub-title that WeCom shows


def button_card(*, title: str, words: str, buttons: list[tuple[str, str]], task_id: str) -> dict:
    """A template card (button_interaction): a title, the words, and its buttons, (label, key)
    each, whose click comes back with its key."""
    shown = words.strip("\n")
    if len(shown) > MOST_CARD_TEXT:
        shown = shown[:MOST_CARD_TEXT - 1] + CUT
    return {"card_type": "button_interaction", "main_title": {"title": title}, "sub_title_text": shown,
            "task_id": task_id, "button_list": [{"text": label, "style": 1, "key": key} for label, key in buttons]}
