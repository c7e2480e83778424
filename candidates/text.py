"""Name normalisation shared by the search index (services) and the search query (selectors)."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text):
    """Lower case, accents removed, punctuation to spaces: "O'Brien-Núñez" -> "o brien nunez"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NOT_WORD.sub(" ", ascii_text).split())


def tokens(text):
    return normalize(text).split()
