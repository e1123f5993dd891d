def htmx_partial(request) -> bool:
    """True when htmx asks for a fragment (not a boosted page or history restore)."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request
