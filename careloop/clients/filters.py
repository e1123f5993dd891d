from careloop.web.filters import PracticeFilterSet

from .models import Client


class ClientFilter(PracticeFilterSet):
    class Meta:
        model = Client
        fields = ["q", "state"]
