"""Identifier checks against published examples and hand-made invalid ones."""

import random

import pytest

from careloop.lib import synthetic
from careloop.lib.identifiers import (
    IdentifierError,
    check_abn,
    check_ahpra_registration,
    check_hpii,
    check_hpio,
    check_ihi,
    check_medicare_irn,
    check_medicare_number,
    check_postcode,
    check_provider_number,
    check_state,
    format_abn,
)

VALID = [
    # HL7 AU Base IG patient-example0 (Medicare card, IRN 2 separately).
    (check_medicare_number, "3278851195", "3278851195"),
    (check_medicare_number, "3278 85119 5", "3278851195"),
    (check_medicare_number, "2950974202", "2950974202"),
    # BETTER_ACCESS.md §6: confirmed examples; HL7 AU practitionerrole-example0;
    # ADHA MDM sample PV1-9.
    (check_provider_number, "4024742F", "4024742F"),
    (check_provider_number, "988939BJ", "988939BJ"),
    (check_provider_number, "2448301T", "2448301T"),
    (check_provider_number, "0302523B", "0302523B"),
    (check_provider_number, "302523B", "0302523B"),  # legacy 5-digit stem, left-padded
    (check_provider_number, "2448301t", "2448301T"),
    # HL7 AU Base IG: practitioner-example0 (HPI-I), organization examples (HPI-O).
    (check_hpii, "8003619900015717", "8003619900015717"),
    (check_hpii, "8003 6199 0001 5717", "8003619900015717"),
    (check_hpio, "8003621566684455", "8003621566684455"),
    (check_hpio, "8003629900040359", "8003629900040359"),
    (check_ihi, "8003608833357361", "8003608833357361"),
    # ABR's worked example.
    (check_abn, "51 824 753 556", "51824753556"),
    (check_abn, "51824753556", "51824753556"),
    # HL7 AU practitioner-example0 Ahpra number.
    (check_ahpra_registration, "MED0000932945", "MED0000932945"),
    (check_ahpra_registration, "psy0001234567", "PSY0001234567"),
]

INVALID = [
    (check_medicare_number, "3278851185", "check digit"),
    (check_medicare_number, "3278851190", "cannot be 0"),
    (check_medicare_number, "8921319895", "starts with 2, 3, 4, 5 or 6"),  # ADHA test id
    (check_medicare_number, "327885119", "10 digits"),
    (check_medicare_number, "32788511952", "IRN"),
    (check_medicare_number, "32788511AB", "digits only"),
    (check_provider_number, "1234561A", "check character"),  # erequesting example value
    (check_provider_number, "4024742A", "check character"),
    (check_provider_number, "402474IF", "location character"),
    (check_provider_number, "40247", "8 characters"),
    (check_provider_number, "A024742F", "first 6 characters"),
    (check_hpii, "8003619900015718", "check digit"),
    (check_hpii, "8003621566684455", "starts with 800361"),  # an HPI-O is not an HPI-I
    (check_hpii, "800361990001571", "16 digits"),
    (check_hpio, "8003619900015717", "starts with 800362"),
    (check_hpio, "8003621566684454", "check digit"),
    (check_abn, "51 824 753 557", "checksum"),
    (check_abn, "5182475355", "11 digits"),
    (check_ahpra_registration, "MED000093294", "3 letters and 10 digits"),
]


@pytest.mark.parametrize(("check", "value", "expected"), VALID)
def test_it_accepts_published_examples(check, value, expected):
    assert check(value) == expected


@pytest.mark.parametrize(("check", "value", "message"), INVALID)
def test_it_rejects_with_a_specific_message(check, value, message):
    with pytest.raises(IdentifierError, match=message):
        check(value)


@pytest.mark.parametrize(
    ("postcode", "state", "expected"),
    [
        ("2000", "NSW", "2000"),
        ("0800", "NT", "0800"),
        ("0200", "ACT", "0200"),
        ("2600", "ACT", "2600"),
        ("2620", "NSW", "2620"),
        ("2620", "ACT", "2620"),  # Hume and Tharwa, ACT; Queanbeyan, NSW
        ("3644", "NSW", "3644"),  # Barooga, NSW, on the Victorian side's postcode
        ("0872", "WA", "0872"),  # the central deserts, across three borders
        ("3000", "vic", "3000"),
        ("4032", "QLD", "4032"),
        ("5006", "SA", "5006"),
        ("6000", "WA", "6000"),
        ("7000", "TAS", "7000"),
        ("2089", None, "2089"),
    ],
)
def test_it_accepts_postcodes_in_their_state(postcode, state, expected):
    assert check_postcode(postcode, state) == expected


@pytest.mark.parametrize(
    ("postcode", "state", "message"),
    [
        ("3000", "NSW", "belongs to VIC, not NSW"),
        ("2600", "NSW", "belongs to ACT"),
        ("2620", "VIC", "belongs to NSW, not VIC"),
        ("800", "NT", "4 digits"),
        ("20000", "NSW", "4 digits"),
        ("0100", None, "not in any"),
        ("abcd", "NSW", "4 digits"),
    ],
)
def test_it_rejects_postcodes_outside_their_state(postcode, state, message):
    with pytest.raises(IdentifierError, match=message):
        check_postcode(postcode, state)


def test_it_names_the_valid_states():
    assert check_state(" qld ") == "QLD"
    with pytest.raises(IdentifierError, match="ACT, NSW, NT, QLD, SA, TAS, VIC, WA"):
        check_state("Queensland")


@pytest.mark.parametrize(("irn", "ok"), [("1", True), (9, True), ("0", False), ("10", False)])
def test_it_checks_the_irn(irn, ok):
    if ok:
        assert check_medicare_irn(irn) == int(irn)
    else:
        with pytest.raises(IdentifierError):
            check_medicare_irn(irn)


def test_it_formats_an_abn_as_the_abr_does():
    assert format_abn("51824753556") == "51 824 753 556"


@pytest.mark.parametrize(
    ("generate", "check"),
    [
        (synthetic.medicare_number, check_medicare_number),
        (synthetic.provider_number, check_provider_number),
        (synthetic.hpii, check_hpii),
        (synthetic.hpio, check_hpio),
        (synthetic.abn, check_abn),
    ],
)
def test_synthetic_identifiers_pass_their_own_checks(generate, check):
    rng = random.Random(7)
    for _ in range(200):
        value = generate(rng)
        assert check(value) == value
