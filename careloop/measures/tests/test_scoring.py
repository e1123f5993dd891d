"""Scoring against the worked examples in MEASURES.md (publishers' rules)."""

import pytest

from careloop.measures.scoring import AnswerError, definitions, score, scoring_note


def answers(*values):
    return {i + 1: v for i, v in enumerate(values)}


@pytest.mark.parametrize(
    ("values", "band_set", "total", "band", "prorated"),
    [
        ((2, 3, 1, 2, 2, 1, 3, 3, 2, 2), "abs", 21, "Moderate", False),
        (
            (2, 3, 1, 2, 2, 1, 3, 3, 2, 2),
            "crufad",
            21,
            "Likely to have a mild mental disorder",
            False,
        ),
        # One missing item: PMHC MDS proration, round(22 / 9 × 10) = 24.
        ((3, 3, 2, 2, None, 2, 3, 3, 2, 2), "abs", 24, "High", True),
        (
            (3, 3, 2, 2, None, 2, 3, 3, 2, 2),
            "crufad",
            24,
            "Likely to have a mild mental disorder",
            True,
        ),
        # The PMHC notice's example: all others 1 → 10, not the out-of-range 9.
        ((1, 1, 1, 1, 1, 1, 1, 1, 1, None), "abs", 10, "Low", True),
        ((5,) * 10, "abs", 50, "Very high", False),
        ((1,) * 10, "crufad", 10, "Likely to be well", False),
        ((2, 2, 2, 2, 2, 2, 2, 2, 2, 2), "abs", 20, "Moderate", False),
        ((3, 3, 3, 3, 3, 3, 3, 3, 3, 1), "abs", 28, "High", False),
        ((3, 3, 3, 3, 3, 3, 3, 3, 3, 3), "abs", 30, "Very high", False),
    ],
)
def test_k10_scores_the_australian_way_with_either_band_set(
    values, band_set, total, band, prorated
):
    result = score("k10", answers(*values), band_set)
    scale = result.scale("total")
    assert (scale.score, scale.band, scale.prorated) == (total, band, prorated)
    assert result.band_set == band_set


def test_k10_with_two_missing_items_has_no_total():
    result = score("k10", answers(3, 3, None, 2, None, 2, 3, 3, 2, 2))
    assert result.scale("total").score is None
    assert result.scale("total").missing == 2
    assert not result.is_complete


def test_k10_rejects_the_us_0_to_4_coding():
    with pytest.raises(AnswerError, match="Item 1 of the K10: 0 is not one of the answers"):
        score("k10", answers(0, 1, 1, 1, 1, 1, 1, 1, 1, 1))


def test_dass21_doubles_each_subscale_before_banding():
    values = {
        1: 2,
        2: 1,
        3: 2,
        4: 0,
        5: 1,
        6: 2,
        7: 1,
        8: 1,
        9: 2,
        10: 2,
        11: 2,
        12: 2,
        13: 1,
        14: 1,
        15: 1,
        16: 1,
        17: 0,
        18: 1,
        19: 0,
        20: 0,
        21: 1,
    }
    result = score("dass21", values)
    assert [(s.code, s.score, s.band) for s in result.scales] == [
        ("depression", 16, "Moderate"),
        ("anxiety", 10, "Moderate"),  # the raw-score table would wrongly say Mild
        ("stress", 22, "Moderate"),
    ]


@pytest.mark.parametrize(
    ("raw_each", "expected"),
    [
        (0, ("Normal", "Normal", "Normal")),
        (3, ("Extremely severe", "Extremely severe", "Extremely severe")),
    ],
)
def test_dass21_extremes(raw_each, expected):
    result = score("dass21", dict.fromkeys(range(1, 22), raw_each))
    assert tuple(s.band for s in result.scales) == expected
    assert {s.score for s in result.scales} == {raw_each * 14}


def test_dass21_leaves_a_subscale_with_a_gap_unscored_and_scores_the_others():
    values = dict.fromkeys(range(1, 22), 1)
    values[3] = None  # a depression item
    result = score("dass21", values)
    assert result.scale("depression").score is None
    assert result.scale("anxiety").score == 14


@pytest.mark.parametrize(
    ("values", "total", "band", "flagged"),
    [
        ((1, 0, 2, 0, 1, 0, 0, 0, 0), 4, "None–minimal", False),
        ((2, 2, 1, 2, 1, 1, 1, 0, 1), 11, "Moderate", True),
        ((0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "None–minimal", False),
        ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "Mild", False),
        ((2, 2, 2, 2, 2, 2, 2, 1, 0), 15, "Moderately severe", False),
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "Severe", False),
        ((3,) * 9, 27, "Severe", True),
    ],
)
def test_phq9_total_bands_and_the_item_9_safety_flag(values, total, band, flagged):
    result = score("phq9", answers(*values))
    assert (result.scale("total").score, result.scale("total").band) == (total, band)
    assert [f.code for f in result.flags if f.certain] == (["self_harm"] if flagged else [])


def test_phq9_with_item_9_unanswered_says_safety_is_unknown_and_is_not_scored():
    result = score("phq9", answers(1, 1, 1, 1, 1, 1, 1, 1, None))
    assert result.scale("total").score is None
    [flag] = result.flags
    assert (flag.code, flag.certain) == ("self_harm", False)
    assert "safety is unknown" in flag.label


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((2, 1, 2, 1, 0, 1, 1), 8, "Mild"),
        ((3, 3, 2, 2, 1, 2, 2), 15, "Severe"),
        ((3, 3, 2, 2, 1, 2, 1), 14, "Moderate"),
        ((0, 0, 0, 0, 1, 1, 2), 4, "Minimal"),
        ((3,) * 7, 21, "Severe"),
    ],
)
def test_gad7_total_and_bands(values, total, band):
    result = score("gad7", answers(*values))
    assert (result.scale("total").score, result.scale("total").band) == (total, band)


@pytest.mark.parametrize(
    ("code", "bad", "message"),
    [
        ("gad7", {1: 4}, "Item 1 of the GAD-7: 4 is not one of the answers"),
        ("gad7", {8: 1}, "has no item 8"),
        ("phq9", {1: "often"}, "'often' is not one of the answers"),
        ("phq9", {1: True}, "is not one of the answers"),
        ("k10", {"x": 1}, "'x' is not an item number"),
        # They pass str.isdigit() (after lstrip("-")), but int() cannot read them.
        ("k10", {3: "²"}, "Item 3 of the K10: '²' is not one of the answers"),
        ("phq9", {2: "--1"}, "Item 2 of the PHQ-9: '--1' is not one of the answers"),
        ("gad7", {1: "١"}, "Item 1 of the GAD-7: '١' is not one of the answers"),
        ("k10", {1: 2.0}, "is not one of the answers"),
        ("nope", {}, "Unknown measure"),
    ],
)
def test_out_of_range_answers_are_refused_with_the_item_named(code, bad, message):
    with pytest.raises(AnswerError, match=message):
        score(code, bad)


def test_an_unknown_band_set_is_refused():
    with pytest.raises(AnswerError, match="has no band set 'black_dog'"):
        score("k10", answers(*(2,) * 10), "black_dog")


def test_every_definition_is_consistent():
    # Bands cover each scale's whole range without gaps or overlaps; items exist.
    for measure in definitions().values():
        numbers = set(measure.item_numbers)
        for scale in measure.scales:
            assert set(scale["items"]) <= numbers
            low, high = scale["range"]
            for band_set in measure.band_sets.values():
                bands = sorted(band_set["bands"][scale["code"]])
                assert bands[0][0] == low and bands[-1][1] == high, (measure.code, scale)
                for (_, end, _), (start, _, _) in zip(bands, bands[1:], strict=False):
                    assert start == end + 1, (measure.code, scale["code"])
                assert band_set["source"]
        assert measure.attribution


@pytest.mark.parametrize(
    ("version", "note"),
    [
        ("2026.11", "Scored by the publisher's rules (version of November 2026)."),
        ("2027.01", "Scored by the publisher's rules (version of January 2027)."),
        ("2026.13", ""),
        ("beta", ""),
        ("", ""),
    ],
)
def test_the_scoring_version_reads_as_a_month_not_a_code(version, note):
    assert scoring_note(version) == note
