import math
from datetime import date, timedelta

import pytest

from careloop.outreach import ranking, routing
from careloop.outreach.prospects import rhythm_stage
from careloop.outreach.ranking import ContactFacts, Prospect, Reach

SYDNEY = (-33.8688, 151.2093)


def test_it_measures_straight_line_distance():
    # Sydney CBD to Parramatta is about 19 km as the crow flies.
    assert 18 < ranking.haversine_km(*SYDNEY, -33.8150, 151.0011) < 21


def test_the_bounding_box_holds_every_point_within_the_radius():
    min_lat, max_lat, min_lon, max_lon = ranking.bounding_box(*SYDNEY, 10)
    for bearing_point in [(-33.78, 151.2093), (-33.8688, 151.318), (-33.95, 151.13)]:
        if ranking.haversine_km(*SYDNEY, *bearing_point) <= 10:
            assert min_lat <= bearing_point[0] <= max_lat
            assert min_lon <= bearing_point[1] <= max_lon


def _destination(lat, lon, km, bearing):
    """The point `km` away from (lat, lon) on an initial bearing, in degrees."""
    phi1, lambda1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    angle = km / ranking.EARTH_RADIUS_KM
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angle) + math.cos(phi1) * math.sin(angle) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(phi1),
        math.cos(angle) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lambda2)


@pytest.mark.parametrize("radius", [1, 10, 50, 500])
@pytest.mark.parametrize("latitude", [-33.8688, -43.0, -12.4])
def test_the_box_holds_the_points_just_inside_the_radius_in_every_direction(radius, latitude):
    # The circle is widest east-west poleward of its centre: a box as wide as the
    # radius at the centre's latitude missed points a quarter of a kilometre inside a
    # 500 km radius around Sydney.
    min_lat, max_lat, min_lon, max_lon = ranking.bounding_box(latitude, 151.2, radius)
    for bearing in [b / 4 for b in range(360 * 4)]:
        lat, lon = _destination(latitude, 151.2, radius * 0.9999, bearing)
        assert ranking.haversine_km(latitude, 151.2, lat, lon) <= radius
        assert min_lat <= lat <= max_lat and min_lon <= lon <= max_lon, bearing


def test_a_circle_over_a_pole_spans_every_longitude():
    assert ranking.bounding_box(-85.0, 151.2, 1000)[2:] == (-180.0, 180.0)


def test_the_first_rows_are_settled_only_when_nothing_further_can_overtake_them():
    near = [_p("a", "not_contacted", 1.0), _p("b", "lapsed", 2.0)]
    assert ranking.settled(near, 2, beyond_km=2.5)
    assert not ranking.settled(near, 3, beyond_km=2.5)  # too few rows yet
    # Something as far (once rounded) might come first by its name.
    assert not ranking.settled(near, 2, beyond_km=2.0004)
    # A farther contact not yet contacted would rank before an introduced one.
    assert not ranking.settled(near + [_p("c", "introduced", 0.5)], 3, beyond_km=9)
    assert ranking.settled(near + [_p("c", "introduced", 0.5)], 2, beyond_km=9)


def test_a_niche_reaches_further_than_general_services():
    reach = Reach(general_km=10, niche_km={"perinatal": 40}, niche_names={"perinatal": "Perinatal"})
    assert ranking.in_reach(30, reach, None, ["perinatal"])
    assert not ranking.in_reach(30, reach, "youth", ["perinatal", "youth"])
    assert ranking.in_reach(30, reach, "perinatal", ["perinatal"])
    assert reach.niches_within(30, ["perinatal", "youth"]) == ["Perinatal"]


def _p(name, stage, km):
    return Prospect(kind="doctor", key=name, name=name, distance_km=km, stage=stage)


def test_not_contacted_and_lapsed_come_first_and_do_not_contact_never():
    ranked = ranking.rank(
        [
            _p("introduced near", "introduced", 1),
            _p("new far", "not_contacted", 8),
            _p("lapsed mid", "lapsed", 5),
            _p("referring", "referring", 0.5),
            _p("blocked", "do_not_contact", 0.1),
        ]
    )
    assert [p.name for p in ranked] == ["lapsed mid", "new far", "introduced near", "referring"]


def _monthly(first, count):
    return tuple(first + timedelta(days=30 * n) for n in range(count))


def _every(days, last, count):
    return tuple(sorted(last - timedelta(days=days * n) for n in range(count)))


MONTHLY = _monthly(date(2025, 8, 1), 12)  # the last on 27/06/2026: 5 months before
TWICE_A_YEAR = _every(182, date(2026, 7, 29), 4)


@pytest.mark.parametrize(
    ("facts", "stage"),
    [
        (ContactFacts(True, 5, 3, date(2026, 11, 1)), "do_not_contact"),
        (ContactFacts(False, 0, 0, None), "not_contacted"),
        (ContactFacts(False, 0, 2, None), "introduced"),
        (ContactFacts(False, 3, 2, date(2026, 11, 1)), "referring"),
        # Monthly for a year, then nothing for 4 months: lapsed, by their own rhythm.
        (ContactFacts(False, 12, 0, MONTHLY[-1], MONTHLY), "lapsed"),
        # Twice a year, the last 4 months ago: still referring.
        (ContactFacts(False, 4, 0, TWICE_A_YEAR[-1], TWICE_A_YEAR), "referring"),
    ],
)
def test_who_to_visit_judges_stages_as_the_relationship_page_does(facts, stage):
    assert rhythm_stage(facts, date(2026, 11, 29)) == stage


def test_the_route_visits_nearest_first_and_never_crosses_itself():
    origin = (0.0, 0.0)
    # Four corners of a square, listed in a crossing order.
    stops = [(0.0, 0.1), (0.1, 0.1), (0.1, 0.0), (0.0, 0.2)]
    order = routing.plan_route(origin, stops)
    assert order[0] in (0, 2)
    assert routing.path_length(origin, stops, order) <= routing.path_length(
        origin, stops, routing.nearest_neighbour(origin, stops)
    )


def test_two_opt_untangles_a_crossed_route():
    origin = (0.0, 0.0)
    stops = [(0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 2.0), (1.0, 2.0)]
    crossed = [0, 4, 2, 1, 3]
    better = routing.two_opt(origin, stops, crossed)
    assert routing.path_length(origin, stops, better) < routing.path_length(origin, stops, crossed)
    assert sorted(better) == list(range(5))


def test_legs_add_up_to_the_route():
    origin, stops = SYDNEY, [(-33.80, 151.18), (-33.84, 151.21)]
    order = routing.plan_route(origin, stops)
    assert sum(routing.legs_km(origin, stops, order)) == pytest.approx(
        routing.path_length(origin, stops, order)
    )
