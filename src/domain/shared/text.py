"""Rules for text people will read: what may hide in it, and what may pose as something
else."""

import unicodedata

# Bidirectional overrides and isolates reorder what is displayed around them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Scripts that are written together in one word (Japanese mixes all three).
_SCRIPT_FAMILIES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}


def has_hidden_characters(text: str) -> bool:
    """Control characters, format characters (zero-width joiners, soft hyphens, bidi
    controls) and unassigned code points: nothing a reader can see or trust."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cn", "Co", "Cs") for char in text)


def has_bidi_controls(text: str) -> bool:
    return any(char in _BIDI_CONTROLS for char in text)


def is_invisible(text: str) -> bool:
    """Nothing but spaces, format and control characters: it would show as nothing."""
    return all(char.isspace() or unicodedata.category(char)[0] in "CZ" for char in text)


def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name ("CYRILLIC SMALL LETTER IE");
    None for digits, marks and punctuation, which belong to every script."""
    if not unicodedata.category(char).startswith("L"):
        return None
    script = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return _SCRIPT_FAMILIES.get(script, script)


def mixed_scripts(text: str) -> bool:
    """Letters of more than one script: the mark of a look-alike ("paypal" spelt with
    a Cyrillic "a", U+0430)."""
    return len({s for s in map(_script, text) if s is not None}) > 1
