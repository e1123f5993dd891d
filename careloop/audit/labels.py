"""Readable names for the fields an audit row lists as changed: "Medicare IRN", not
"medicare_irn". Rows store field names (stable if a label is reworded later); the
page turns them into the model's own verbose names."""

from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

# Audit object types that are not a model's verbose name.
_MODEL_OF_TYPE = {"team member": "practices.User"}

# Fields of forms that are not model fields, or whose model name reads badly.
_EXTRA = {
    "is_active": "Can sign in",
    "ahpra_registration": "Ahpra registration",
    "provider_number": "Medicare provider number",
    "hpii": "HPI-I",
    "hpio": "HPI-O",
    "abn": "ABN",
    "medicare_irn": "Medicare IRN",
    "profession": "Profession",
    "niches": "Areas of practice",
    "book_anyway": "Double-booked on purpose",
}


@cache
def _model_for(object_type: str):
    label = _MODEL_OF_TYPE.get(object_type)
    if label:
        return apps.get_model(label)
    for model in apps.get_models():
        if str(model._meta.verbose_name) == object_type:
            return model
    return None


def field_label(object_type: str, name: str) -> str:
    if name in _EXTRA:
        return _EXTRA[name]
    model = _model_for(object_type)
    if model is not None:
        try:
            return capfirst(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            pass
    return capfirst(name.replace("_", " "))


def field_labels(object_type: str, names) -> list[str]:
    return [field_label(object_type, name) for name in names]
