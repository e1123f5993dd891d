"""Finding a member of the practice by name, as staff type it: the treating clinician
of a session or a referral, whose sessions to list, who did something in the audit log.

Clients and doctors keep their names a second time as search keys, for an index range
scan among a practice's thousands (lib/search.py). A practice's members are hundreds at
most (about 500 clinicians at the largest demo scale), so their names are folded here,
in Python, from one query of the practice's members: no second copy of the name to keep
in step with the account, and "zoe" still finds Zoë, "obr" O'Brien.
"""

from django import forms
from django.db.models import QuerySet

from careloop.lib.search import compact_key, query_words, search_key
from careloop.web.pickers import MIN_QUERY_LENGTH, PickerSource, picker_for

from .models import Practice, User, clinicians_of


def name_keys(full_name: str) -> set[str]:
    """The words a name is found by: each word without accents or capitals, and each
    part written as one ("O'Brien" is found by "o", "brien" and "obrien")."""
    return set(search_key(full_name).split()) | {
        key for key in (compact_key(part) for part in full_name.split()) if key
    }


def is_named(full_name: str, typed: str) -> bool:
    """Every typed word starts a word of the name ("jo smi", "smith jo"); or the typed
    words run together start one ("o brien")."""
    words = query_words(typed)
    if not words:
        return False
    keys = name_keys(full_name)
    whole = "".join(words)
    if any(key.startswith(whole) for key in keys):
        return True
    return all(any(key.startswith(word) for key in keys) for word in words)


def search_members(queryset: QuerySet, typed: str) -> QuerySet:
    """The members of `queryset` named by what was typed, in its order (by name)."""
    if len("".join(query_words(typed))) < MIN_QUERY_LENGTH:
        return queryset.none()
    named = [pk for pk, name in queryset.values_list("pk", "full_name") if is_named(name, typed)]
    return queryset.filter(pk__in=named)


def describe_clinician(user: User) -> str:
    profile = getattr(user, "clinician_profile", None)
    return profile.get_profession_display() if profile else ""


def describe_member(user: User) -> str:
    role = user.get_role_display()
    return role if user.is_active else f"{role}, no longer active"


# The treating clinicians: those a session is booked with, a referral assigned to.
CLINICIANS = PickerSource(
    name="clinicians",
    model=User,
    noun="clinician",
    choices=lambda practice: clinicians_of(practice).select_related("clinician_profile"),
    search=search_members,
    describe=describe_clinician,
    replaces_choices=False,
)

# Everyone who has belonged to the practice, for the audit log's "who", which only the
# owner reads.
MEMBERS = PickerSource(
    name="members",
    model=User,
    noun="team member",
    choices=lambda practice: User.objects.filter(practice=practice).order_by("full_name"),
    search=search_members,
    describe=describe_member,
    replaces_choices=False,
    allowed=lambda user: user.is_owner,
)


def picker_sources() -> list[PickerSource]:
    return [CLINICIANS, MEMBERS]


def clinician_picker(field: forms.ModelChoiceField, practice: Practice) -> forms.ModelChoiceField:
    """A form's choice of member as a picker of the practice's treating clinicians,
    keeping its label, whether it is required, and its initial value."""
    field.queryset = clinicians_of(practice)
    return picker_for(field, CLINICIANS) or field
