from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from careloop.publicsite.links import site_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def site_url(context, name, *args):
    """`{% site_url 'clinician' slug %}`: the page's address wherever the site is served."""
    return site_reverse(context["request"], context["practice"].slug, name, *args)


@register.simple_tag(takes_context=True)
def site_absolute_url(context, name, *args):
    request = context["request"]
    return request.build_absolute_uri(site_reverse(request, context["practice"].slug, name, *args))


@register.simple_tag(takes_context=True)
def picture(context, pic, alt, sizes="100vw", *, lazy=True, css_class=""):
    """A responsive <img> of a SiteImage: WebP variants in srcset, the intrinsic size
    in width and height (no layout shift), lazy below the fold."""
    request, slug = context["request"], context["practice"].slug
    srcset = format_html_join(
        ", ",
        "{} {}w",
        ((site_reverse(request, slug, "image", pic.variant(w)), w) for w in pic.widths),
    )
    height = round(pic.height * pic.largest / pic.width)
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}{}>',
        site_reverse(request, slug, "image", pic.largest_variant),
        srcset,
        sizes,
        pic.largest,
        height,
        alt,
        mark_safe(' loading="lazy" decoding="async"') if lazy else "",
        format_html(' class="{}"', css_class) if css_class else "",
    )


_LD_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def ld_json(value: str):
    """JSON already made by the view, safe inside <script type="application/ld+json">."""
    return mark_safe(str(value).translate(_LD_ESCAPES))  # noqa: S308 - escaped above
