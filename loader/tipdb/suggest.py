"""'Did you mean ...?' hints for values close to known ones."""

from __future__ import annotations

import difflib
import re


def did_you_mean(value: str, known: dict[str, str]) -> str | None:
    """A hint naming what to write instead of `value`, or None if nothing known is close.

    `known` maps each candidate (a spelling, a label) to the value that should be written.
    """
    lowered = {k.lower(): v for k, v in known.items()}
    matches = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.75)
    if matches:
        return f"did you mean {lowered[matches[0]]!r}?"
    # Punctuation and spacing slips: "Cote dIvoire", "Timor Leste".
    simplified = {re.sub(r"[^a-z0-9]", "", k): v for k, v in lowered.items()}
    key = re.sub(r"[^a-z0-9]", "", value.lower())
    return f"did you mean {simplified[key]!r}?" if key in simplified else None
