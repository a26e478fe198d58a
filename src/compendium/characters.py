"""Characters refused in every text a user writes (``review.yaml``, parameter files, CSV cells).

Control characters (Unicode category Cc: NUL, ESC, ...; tab, line feed and carriage return are
allowed where the format allows them) corrupt tables and HTML, and the bidirectional formatting
characters (Unicode property Bidi_Control: U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)
reverse or reorder the text around them, so that a label reads differently from what the file
holds ("Trojan Source", CVE-2021-42574). Neither belongs in a review's data or declaration.

A number cell may hold only ASCII: full-width digits (``３４``, U+FF10-U+FF19) and other non-ASCII
digits are read as numbers by Python's ``float`` but not by the CSV readers of other tools, and
usually come from a copy-paste from a formatted document.

Examples
--------
>>> unsafe_character("Liao 2022")
>>> unsafe_character("Liao\\u202e2022")
(4, 'U+202E (RIGHT-TO-LEFT OVERRIDE)')
>>> unsafe_character("a\\tb", allowed="\\t")
>>> non_ascii_digit("\\uff13\\uff14")
(0, 'U+FF13 (FULLWIDTH DIGIT THREE)')
"""

from __future__ import annotations

import re
import unicodedata

#: Unicode's Bidi_Control characters (PropList.txt, Unicode 15)
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: every control character (category Cc: C0, DEL, C1) and every Bidi_Control character
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")
#: what the messages say is expected instead
NO_CONTROL_CHARACTERS = "text without control or bidirectional-override characters"
ASCII_NUMBER = "a number written in ASCII digits (0-9)"


def describe(character: str) -> str:
    """``'U+202E (RIGHT-TO-LEFT OVERRIDE)'``: a character named so that a message can show it safely."""
    name = unicodedata.name(character, "") or {"\x00": "NUL"}.get(character, "control character")
    return f"U+{ord(character):04X} ({name})"


def unsafe_character(text: str, *, allowed: str = "") -> tuple[int, str] | None:
    """The position and description of the first control or bidirectional-formatting character
    in ``text`` (characters in ``allowed`` excepted), or None when there is none.

    Parameters
    ----------
    text : the text to check
    allowed : control characters that the format allows (``"\\t\\n\\r"`` in a YAML file)

    Returns
    -------
    (index into text, description such as ``'U+0000 (NUL)'``), or None
    """
    for found in _UNSAFE.finditer(text):
        if found.group() not in allowed:
            return found.start(), describe(found.group())
    return None


def non_ascii_digit(text: str) -> tuple[int, str] | None:
    """The position and description of the first digit that is not ASCII 0-9 (full-width,
    Arabic-Indic, ...), or None."""
    for index, character in enumerate(text):
        if character.isdigit() and not character.isascii():
            return index, describe(character)
    return None
