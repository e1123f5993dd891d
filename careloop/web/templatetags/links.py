from uuid import UUID

from django import template

from careloop.web.links import uuid_link

register = template.Library()


@register.simple_tag(takes_context=True)
def row_url(context, name: str, uuid: UUID | str) -> str:
    """`{% url name uuid %}` for the rows of a list: each route is reversed once per
    page (web/links.py) and each row writes its UUID in."""
    links = context.render_context.setdefault("row_urls", {})
    if name not in links:
        links[name] = uuid_link(name)
    return links[name](uuid)
