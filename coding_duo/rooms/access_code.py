"""Room access codes: 10 characters from a 30-symbol alphabet (49 bits from
``secrets``), shown as ``XXXXX-XXXXX``. The alphabet leaves out 0/O, 1/I/L and U,
so a code read aloud or typed from a screen cannot be mistaken.

Input is forgiving: case, spaces and dashes are ignored, and a whole invite
link (``https://host/rooms/ABCDE-FGHJK``) stands for its code.
"""
from __future__ import annotations

import math
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
GROUP = 5
BITS = LENGTH * math.log2(len(ALPHABET))

_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")
_SEPARATORS = re.compile(r"[\s\-]+")


def generate() -> str:
    """A new code in canonical (stored) form, without separators."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(text: str) -> str | None:
    """Canonical form of user input, or None if it cannot be a code."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = _SEPARATORS.sub("", text).upper()
    return code if _VALID.match(code) else None


_LINK = re.compile(r"/rooms/([^/?#]+)")
LINK_MAX = 2048


def from_code_or_link(text: str) -> str | None:
    """Canonical code from what someone pasted: a code, or an invite link to a room."""
    if not isinstance(text, str) or len(text) > LINK_MAX:
        return None
    text = text.strip()
    found = _LINK.search(text)
    return normalize(found.group(1) if found else text)


def display(code: str) -> str:
    """``ABCDEFGHJK`` -> ``ABCDE-FGHJK``."""
    return f"{code[:GROUP]}-{code[GROUP:]}"
