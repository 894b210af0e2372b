"""Deterministic names for emitted code: SSA versions, temporaries, adjoints.

Names never collide with any name of the user's function; the same function
always gets the same names, so emitted code is stable across runs.
"""

from __future__ import annotations

import keyword
import re

_MAX_WORD = 12


class NameAllocator:
    """Hands out names not taken yet, deterministically."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        self.claimed: set[str] = set()

    def claim(self, name: str) -> None:
        self.taken.add(name)
        self.claimed.add(name)

    def claim_if_free(self, name: str) -> bool:
        """Claim ``name`` if no code claimed it yet (user names are claimable)."""
        if name in self.claimed:
            return False
        self.claim(name)
        return True

    def fresh(self, base: str) -> str:
        base = _identifier(base)
        if base not in self.taken:
            self.claim(base)
            return base
        counter = 1
        while f"{base}_{counter}" in self.taken:
            counter += 1
        name = f"{base}_{counter}"
        self.claim(name)
        return name


def operand_word(name: str) -> str:
    """A short word for a variable, used to build names of what derives from it."""
    parts = re.sub(r"_\d+$", "", name).split("_")
    word = parts[0]
    for part in parts[1:]:
        if len(word) + 1 + len(part) > _MAX_WORD:
            break
        word = f"{word}_{part}"
    return word[: _MAX_WORD + 4]


def _identifier(text: str) -> str:
    text = re.sub(r"\W", "_", text).strip("_") or "t"
    if text[0].isdigit():
        text = "t" + text
    if keyword.iskeyword(text):
        text += "_"
    return text
