import uuid

from django.template import Context, Template
from django.urls import reverse

from careloop.web.links import uuid_link


def test_it_writes_the_link_reverse_writes():
    link = uuid_link("outreach:task_snooze")
    for value in (uuid.uuid4(), uuid.uuid4()):
        assert link(value) == reverse("outreach:task_snooze", args=[value])
        assert link(str(value)) == reverse("outreach:task_snooze", args=[value])


def test_a_rows_link_in_a_template_is_the_url_tags():
    rows = [uuid.uuid4(), uuid.uuid4()]
    template = Template(
        "{% load links %}{% for row in rows %}{% row_url 'therapy:detail' row %} "
        "{% row_url 'referrals:detail' row %}|{% endfor %}"
    )
    expected = "".join(
        f"{reverse('therapy:detail', args=[row])} {reverse('referrals:detail', args=[row])}|"
        for row in rows
    )
    assert template.render(Context({"rows": rows})) == expected
