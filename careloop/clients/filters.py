from careloop.web.filters import PracticeFilterSet

from .models import Client


class ClientFilter(PracticeFilterSet):
    search_fields = (
        "given_name",
        "family_name",
        "preferred_name",
        "medicare_number",
        "phone",
        "email",
    )

    class Meta:
        model = Client
        fields = ["q", "state"]
