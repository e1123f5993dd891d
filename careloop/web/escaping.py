"""Escaping for HTML built in Python, where a page builds hundreds of values at once."""

import html


def escape(value) -> str:
    """As Django's conditional_escape (the same characters; a value that is HTML
    already, with __html__, kept as it is), by the standard library directly: Django's
    wrapping for lazy strings cost more than the rest of a 500-option list, and 5 ms
    over who to visit next's hundred rows."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
