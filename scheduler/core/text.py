"""Rules for text that comes from outside (project files, report sheets) and goes out again
(file names, mail headers, PDF cells): the one place that says which characters a name may hold,
how a name becomes a file name, and how a long text is cut. Pure functions, no I/O."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters refused in free text (notes, 堵点): tab and newline are allowed."""
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters refused in a one-line text (names, ids, units): no newline either."""
_FILE_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029\\/:*?"<>|\s]+')
MAX_STEM_BYTES = 120
"""A file name's stem in UTF-8 bytes (file systems allow 255; leaves room for the suffixes)."""
ELLIPSIS = "…"


def control_char(text: str, *, multiline: bool = False) -> str | None:
    """None when `text` holds no control character, else where the first one is, as
    `U+0000 at character 5` (what a one-line refusal names)."""
    m = (_CONTROL_MULTILINE if multiline else _CONTROL_LINE).search(text)
    if m is None:
        return None
    return f"U+{ord(m.group()):04X} at character {m.start() + 1}"


def one_line(text: str) -> str:
    """`text` with every run of control characters and line breaks made one space (mail subjects
    and headers, a terminal's one-line messages)."""
    return re.sub(r"\s+", " ", _CONTROL_LINE.sub(" ", text)).strip()


def clip(text: str, max_chars: int) -> str:
    """`text` cut to at most `max_chars` characters, ending in "…" when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max(max_chars - 1, 0)] + ELLIPSIS


def file_stem(text: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file-name stem derived from `text` (a project id, a unit name) that every file system
    takes: characters a file system refuses become `_`, at most `max_bytes` UTF-8 bytes. When
    anything had to change, a hash of the original text is appended (`_3f2a9c1b`), so two
    different texts never share a file name (`A/B` and `A_B` differ)."""
    text = unicodedata.normalize("NFC", text)
    safe = _FILE_UNSAFE.sub("_", text).strip("._") or "_"
    if safe == text and len(safe.encode("utf-8")) <= max_bytes:
        return safe
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    room = max_bytes - len(digest) - 1
    cut = safe.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip("._") or "_"
    return f"{cut}_{digest}"
