"""The public site's colours: a practice picks them, and each is checked for contrast
when it is chosen (WCAG 2.1 AA: 4.5:1 for body text).

Pure functions, no Django: the form, the tests and the demo all call these.
"""

import re

AA_NORMAL_TEXT = 4.5
WHITE = "#ffffff"
INK = "#1c2430"  # the site's body text

# A calm palette; every colour reads as white text on it and as a link on white.
PALETTE = [
    ("#0f5e5a", "Harbour teal"),
    ("#1d4e89", "Deep blue"),
    ("#3f4a8a", "Indigo"),
    ("#6a3d7c", "Plum"),
    ("#8a3b2f", "Terracotta"),
    ("#2f5d34", "Forest"),
    ("#4a4f57", "Slate"),
]
DEFAULT_BRAND = PALETTE[0][0]
DEFAULT_ACCENT = "#1d4e89"

_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


class ColourError(ValueError):
    pass


def normalise(colour: str) -> str:
    """'#ABC', 'abc', '#aabbcc' → '#aabbcc'; anything else is refused."""
    match = _HEX.match(colour.strip())
    if not match:
        raise ColourError("Enter a colour as # and six hexadecimal digits, for example #0f5e5a.")
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return f"#{digits}"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    digits = normalise(colour)[1:]
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio, from 1 (same colour) to 21 (black on white)."""
    a, b = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def check_brand_colour(colour: str) -> str:
    """The colour, normalised, if white text on it and it as text on white both reach
    AA; otherwise ColourError saying how far off it is."""
    value = normalise(colour)
    ratio = contrast_ratio(value, WHITE)
    if ratio < AA_NORMAL_TEXT:
        raise ColourError(
            f"{value} is too light: white text on it has a contrast of {ratio:.1f}:1, and "
            f"it needs at least {AA_NORMAL_TEXT}:1 to be readable. Choose a darker shade."
        )
    return value
