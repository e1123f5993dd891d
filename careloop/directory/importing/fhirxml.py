"""FHIR XML to FHIR JSON, with the standard library.

fhir.resources reads XML only through lxml, which the project does not otherwise
need. FHIR's XML and JSON forms map one to one (https://hl7.org/fhir/R4B/xml.html,
json.html): an element with a `value` attribute is a primitive, repeated elements are
an array, a contained resource is wrapped in an element named after its field. Which
elements are arrays is read from the R4B model, so the JSON validates as if it had
been sent as JSON. Primitive extensions (`_field`) and comments are dropped: an import
reads none of them.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any
from xml.etree import ElementTree

from fhir.resources.R4B import get_fhir_model_class

FHIR_NS = "{http://hl7.org/fhir}"
XHTML_NS = "http://www.w3.org/1999/xhtml"


class FhirXmlError(ValueError):
    pass


def parse(text: str) -> dict[str, Any]:
    """The resource in `text` as FHIR JSON (a dict)."""
    # Entities are how XML bombs and external-entity attacks work; FHIR uses none.
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise FhirXmlError("The XML declares a DOCTYPE or entities, which FHIR never uses.")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 (DOCTYPE and entities refused above, as defusedxml does)
    except ElementTree.ParseError as error:
        raise FhirXmlError(f"Not well-formed XML: {error}.") from None
    return resource(root)


def _local(tag: str) -> str:
    if not tag.startswith(FHIR_NS):
        raise FhirXmlError(f"<{tag}> is not in the FHIR namespace (http://hl7.org/fhir).")
    return tag[len(FHIR_NS) :]


def resource(element: ElementTree.Element) -> dict[str, Any]:
    name = _local(element.tag)
    try:
        model = get_fhir_model_class(name)
    except (KeyError, ValueError):
        raise FhirXmlError(f"<{name}> is not a FHIR R4 resource.") from None
    out: dict[str, Any] = {"resourceType": name}
    out.update(_children(element, model))
    return out


@cache
def _field_types(model: type) -> dict[str, tuple[bool, Any]]:
    """JSON name -> (is a list, the element's model class or None for a primitive)."""
    found: dict[str, tuple[bool, Any]] = {}
    for field in model.model_fields.values():  # type: ignore[attr-defined]
        alias = field.alias or ""
        if alias.startswith("_") or alias == "fhir_comments":
            continue
        annotation = field.annotation
        is_list = False
        while True:
            origin = typing.get_origin(annotation)
            if origin in (typing.Union, types.UnionType):
                annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
            elif origin in (list, typing.List):  # noqa: UP006
                is_list = True
                annotation = typing.get_args(annotation)[0]
            else:
                break
        klass = annotation.get_model_klass() if hasattr(annotation, "get_model_klass") else None
        found[alias] = (is_list, klass)
    return found


def _children(element: ElementTree.Element, model: type) -> dict[str, Any]:
    types_ = _field_types(model)
    out: dict[str, Any] = {}
    if element.get("id") is not None and "id" in types_:
        out["id"] = element.get("id")  # an element's id is an attribute in XML
    if element.get("url") is not None and "url" in types_:
        out["url"] = element.get("url")  # so is an extension's url
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        if child.tag == f"{{{XHTML_NS}}}div":
            out["div"] = ElementTree.tostring(child, encoding="unicode").strip()
            continue
        name = _local(child.tag)
        if name not in types_:
            raise FhirXmlError(f"<{name}> is not an element of {model.__name__}.")
        is_list, klass = types_[name]
        if klass is None:
            value: Any = child.get("value")
            if value is None:
                continue  # a primitive with only an extension
        elif _is_resource_slot(klass):
            inner = [c for c in child if isinstance(c.tag, str)]
            if len(inner) != 1:
                raise FhirXmlError(f"<{name}> must hold exactly one resource.")
            value = resource(inner[0])
        else:
            value = _children(child, klass)
        if is_list:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _is_resource_slot(klass: Any) -> bool:
    # Bundle.entry.resource and .contained are typed as the abstract Resource.
    return getattr(klass, "__name__", "") in {"Resource", "DomainResource"}
