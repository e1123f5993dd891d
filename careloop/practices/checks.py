from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs, **kwargs):
    """Background jobs put SITE_URL in e-mails and letters; left unset in production
    those links would point at 127.0.0.1 and reach no doctor or client."""
    if getattr(settings, "SITE_URL_CONFIGURED", True):
        return []
    return [
        Warning(
            "SITE_URL is not set: links in e-mails and letters made by background jobs "
            "would point to http://127.0.0.1:8000.",
            hint="Set SITE_URL to the address people use, e.g. https://careloop.example.",
            id="careloop.W001",
        )
    ]
