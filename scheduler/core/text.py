"""Rules for text that comes from outside (project files, report sheets) and goes out again
(file names, mail headers, PDF cells): the one place that says which characters a name may hold,
how a name becomes a file name, and how a long text is cut. Pure functions, no I/O."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable

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


NO_START = set("，。、；：？！）】》」』”’%…,.;:?!)]}")
"""Characters a line must not start with (Chinese line-breaking rules, 避头)."""
NO_END = set("（【《「『“‘([{")
"""Characters a line must not end with (避尾)."""
_TOKEN = re.compile(r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日|底)|"  # a Chinese date stays whole: 12月19日, 10月底
                    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|\s|[^\s\u2e80-\u9fff\uf900-\ufaff"
                    r"\uff00-\uffef\u3000-\u303f]+")


def unbreakable(text: str) -> list[str]:
    """The runs `break_lines` keeps on one line when it can: each CJK character, each Latin word,
    number or date (what a narrowest column must still hold)."""
    return [tok for tok in _TOKEN.findall(text) if not tok.isspace()]


def break_lines(text: str, width: float, char_width: Callable[[str], float]) -> list[str]:
    """Greedy line breaking for mixed Chinese and Latin text: between any two CJK characters or at
    a space, never inside a Latin word, number or date (unless it alone is wider than a line),
    and no line starts with closing punctuation or ends with an opening bracket. Explicit
    newlines are kept. fpdf2's CHAR mode splits dates; its WORD mode leaves half-empty lines."""
    out: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []
        lw = 0.0
        for tok in _TOKEN.findall(para):
            tw = sum(char_width(ch) for ch in tok)
            if lw + tw <= width or (not line and tok.isspace()):
                line.append(tok)
                lw += tw
                continue
            if tok.isspace():  # a break at a space drops the space
                out.append("".join(line).rstrip())
                line, lw = [], 0.0
                continue
            carry: list[str] = []
            if tok[0] in NO_START and len(line) > 1 and not line[-1].isspace():
                carry.append(line.pop())  # take the character before along: no line starts with "，"
            while len(line) > 1 and line[-1] in NO_END:
                carry.insert(0, line.pop())
            if line:
                out.append("".join(line).rstrip())
            line = carry
            lw = sum(char_width(ch) for t in line for ch in t)
            if tw > width:  # a Latin run wider than a line: split it by characters
                for ch in tok:
                    cw = char_width(ch)
                    if line and lw + cw > width:
                        out.append("".join(line))
                        line, lw = [], 0.0
                    line.append(ch)
                    lw += cw
            else:
                line.append(tok)
                lw += tw
        out.append("".join(line).rstrip())
    return out
