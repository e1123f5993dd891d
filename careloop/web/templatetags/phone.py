import re

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def phone_link(number: str) -> str:
    """A phone number as a tap-to-call link: staff ring clients from their phones."""
    number = (number or "").strip()
    if not number:
        return "—"
    # tel: wants the digits alone; a leading + keeps an international number dialable.
    digits = re.sub(r"[^\d+]", "", number)
    digits = digits[:1] + digits[1:].replace("+", "")
    if not re.search(r"\d", digits):
        return number
    return format_html('<a href="tel:{}">{}</a>', digits, number)
