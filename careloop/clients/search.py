"""Finding a client by what reception types: part of a name, a date of birth, a
Medicare number or a referral's reference. Most recently updated first."""

from django.db.models import Q, QuerySet

from careloop.lib.search import compact_key, query_date, query_digits
from careloop.web.pickers import MIN_QUERY_LENGTH, PickerSource, name_match, prefix_match
from careloop.web.textsearch import digits_of, words_of

# Referral references: 8 characters of Crockford's alphabet (referrals.models).
_REFERENCE_CHARACTERS = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def search_clients(queryset: QuerySet, typed: str) -> QuerySet:
    typed = typed.strip()
    match = Q(pk__in=[])
    born = query_date(typed)
    digits = query_digits(typed)
    if born:
        match |= Q(date_of_birth=born)
    elif len(digits) >= 4:
        match |= prefix_match("medicare_number", digits[:10])
    elif len(typed) >= MIN_QUERY_LENGTH:
        match |= name_match(typed)
    reference = typed.upper().replace(" ", "").replace("-", "")
    if len(reference) == 8 and set(reference) <= _REFERENCE_CHARACTERS:
        # Only then is the join worth it; a name search never pays for it.
        match |= Q(referrals__reference=reference)
        queryset = queryset.distinct()
    return queryset.filter(match).order_by("-updated_at", "-pk")


def text_of(client) -> str:
    """What the client list's search finds a client by (Client.search_text)."""
    return " ".join(
        words_of(
            client.given_name,
            client.preferred_name,
            client.family_name,
            compact_key(client.family_name),  # "obrien" finds O'Brien
            client.medicare_number,
            digits_of(client.phone),  # "0412345678" finds 0412 345 678
            client.email,
        )
    )


def describe_client(client) -> str:
    return f"born {client.date_of_birth:%d/%m/%Y}" if client.date_of_birth else ""


def picker_source() -> PickerSource:
    from .models import Client

    return PickerSource(
        name="clients",
        model=Client,
        noun="client",
        choices=lambda practice: Client.objects.for_practice(practice),
        search=search_clients,
        describe=describe_client,
    )
