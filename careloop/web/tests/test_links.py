import uuid

from django.urls import reverse

from careloop.web.links import uuid_link


def test_it_writes_the_link_reverse_writes():
    link = uuid_link("outreach:task_snooze")
    for value in (uuid.uuid4(), uuid.uuid4()):
        assert link(value) == reverse("outreach:task_snooze", args=[value])
        assert link(str(value)) == reverse("outreach:task_snooze", args=[value])
