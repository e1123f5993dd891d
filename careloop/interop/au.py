"""Australian identifier conventions shared by the HL7 v2 and FHIR builders
(INTEROP.md §1.3 and §2.1; checked against the AU Base examples)."""

from careloop.practices.models import Practice

# HL7 v2: an HPI-O as an ISO OID (ADRM HL7au:00044.2.x, the ADHA MDM sample).
HPIO_OID_ROOT = "1.2.36.1.2001.1003.0."

# FHIR identifier systems, from the AU Base StructureDefinitions (fixedUri).
MEDICARE_NUMBER = "http://ns.electronichealth.net.au/id/medicare-number"
MEDICARE_PROVIDER_NUMBER = "http://ns.electronichealth.net.au/id/medicare-provider-number"
HPII = "http://ns.electronichealth.net.au/id/hi/hpii/1.0"
HPIO = "http://ns.electronichealth.net.au/id/hi/hpio/1.0"
ABN = "http://hl7.org.au/id/abn"
AHPRA = "http://hl7.org.au/id/ahpra-registration-number"

# Two v2-0203 code systems: HL7's international codes and Australia's additions.
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
V2_0203_AU = "http://terminology.hl7.org.au/CodeSystem/v2-0203"


def organisation_universal_id(practice: Practice) -> tuple[str, str]:
    """The (universal id, type) that qualifies identifiers the practice issues.

    The ADRM wants them qualified by the authoring organisation; its HPI-O when the
    practice has recorded one, else the practice's own UUID, which is just as global.
    """
    if practice.hpio:
        return f"{HPIO_OID_ROOT}{practice.hpio}", "ISO"
    return str(practice.uuid), "GUID"


def split_name(full_name: str) -> tuple[str, str]:
    """(given, family) from a member's single name field: the last word is the family
    name, which is what both HL7 XCN and FHIR HumanName need apart."""
    words = full_name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]
