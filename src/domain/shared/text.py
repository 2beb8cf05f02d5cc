"""Rules for text people will read: what may hide in it, and what may pose as something
else. The character classes are regular-expression classes, so the API's schema can
state the very same rules."""

import re
import unicodedata

from domain.shared.errors import InvalidValue

CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"
# Bidirectional overrides and isolates reorder what is displayed around them.
BIDI_CLASS = r"\u202a-\u202e\u2066-\u2069"
# Characters that show as nothing: soft hyphen, zero-width spaces, joiners and marks,
# word joiners, variation selectors, fillers, the byte-order mark.
INVISIBLE_CLASS = (
    r"\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
)

_BIDI = re.compile(f"[{BIDI_CLASS}]")
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")
_VISIBLE = re.compile(rf"[^\s{CONTROL_CLASS}{INVISIBLE_CLASS}]")
# Scripts that are written together in one word (Japanese mixes all three).
_SCRIPT_FAMILIES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}


def clean_text(
    field: str, text: str, *, longest: int, shortest: int = 1, multiline: bool = False
) -> str:
    """Text people will read, by the one rule for all of it: NFC; trimmed, and runs of
    white space made one space (``multiline`` text, such as a description, keeps its
    line breaks and tabs instead); ``shortest`` to ``longest`` characters; no control
    characters (but those line breaks and tabs) nor bidi overrides; and, unless empty,
    something a reader can see. Joiners stay: some scripts and emoji need them."""
    cleaned = unicodedata.normalize("NFC", text.strip() if multiline else " ".join(text.split()))
    label = field.replace("_", " ")
    if not shortest <= len(cleaned) <= longest:
        raise InvalidValue(field, f"The {label} has {shortest} to {longest} characters")
    controls = cleaned.replace("\n", "").replace("\t", "") if multiline else cleaned
    if has_control_characters(controls) or has_bidi_controls(cleaned):
        raise InvalidValue(field, f"The {label} has no control or bidi-override characters")
    if cleaned and is_invisible(cleaned):
        raise InvalidValue(field, f"The {label} has at least one visible character")
    return cleaned


def has_hidden_characters(text: str) -> bool:
    """Control characters, format characters (zero-width joiners, soft hyphens, bidi
    controls), unassigned and private code points: nothing a reader can see or trust."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cn", "Co", "Cs") for char in text)


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def has_bidi_controls(text: str) -> bool:
    return _BIDI.search(text) is not None


def is_invisible(text: str) -> bool:
    """Nothing but spaces, controls and invisible characters: it would show as nothing."""
    return _VISIBLE.search(text) is None


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
