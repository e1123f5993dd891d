"""One PDF renderer for every document Careloop prints: letters, signed consent forms.

The same HTML template serves the screen and the page; WeasyPrint turns it into an A4
PDF with the stylesheet's print rules."""

from django.conf import settings
from django.template.loader import render_to_string


def html_to_pdf(html: str) -> bytes:
    # Imported on first use: WeasyPrint and its fonts take about 26 MB in every web
    # worker, most of which never prints.
    import weasyprint

    # base_url lets templates reference the package's static files (the stylesheet,
    # the practice logo is inlined as a data URI).
    return weasyprint.HTML(string=html, base_url=str(settings.PACKAGE_DIR)).write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context))
