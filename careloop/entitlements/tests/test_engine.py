"""The entitlement engine against the contract, scenario by scenario.

Each expected answer is worked out by hand from the rules in the engine's docstring
(and BETTER_ACCESS.md §1), not produced by the engine.
"""

import json
import subprocess
import sys

import pytest

from careloop.entitlements.engine import ScenarioError, evaluate, parse_scenario


def run(data):
    return evaluate(parse_scenario(data))


def scenario(as_of="2026-06-30", provider="psychologist", referrals=(), services=(), **extra):
    return {
        "as_of": as_of,
        "provider": provider,
        "referrals": [
            {"id": r[0], "date": r[1], "referrer_type": "gp", "basis": "mhtp", "sessions": r[2]}
            for r in referrals
        ],
        "services": [
            {"date": s[0], "type": s[1], "status": s[2] if len(s) > 2 else "attended"}
            for s in services
        ],
        **extra,
    }


def reasons(result):
    return [(s["referral"], s["reason"]) for s in result["services"]]


def test_the_contract_example():
    result = run(
        {
            "as_of": "2026-05-01",
            "provider": "psychologist",
            "referrals": [
                {
                    "id": "r1",
                    "date": "2026-01-10",
                    "referrer_type": "gp",
                    "basis": "mhtp",
                    "sessions": 6,
                }
            ],
            "services": [{"date": "2026-01-20", "type": "individual", "status": "attended"}],
            "elsewhere": {"2026": {"individual": 0, "group": 0, "family_carer": 0}},
            "reports_sent": [],
            "proposed": {"date": "2026-05-02", "type": "individual"},
        }
    )
    assert result == {
        "year": 2026,
        "individual": {"used": 1, "cap": 10, "remaining": 9},
        "group": {"used": 0, "cap": 10, "remaining": 10},
        "family_carer": {"used": 0, "cap": 2, "remaining": 2},
        "referrals": [{"id": "r1", "sessions": 6, "used": 1, "remaining": 5}],
        "services": [
            {
                "date": "2026-01-20",
                "type": "individual",
                "rebatable": True,
                "referral": "r1",
                "reason": "ok",
            }
        ],
        "proposed": {"rebatable": True, "referral": "r1", "reason": "ok"},
        "actions": [],
    }


def test_only_attended_services_count():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 6)],
            services=[
                ("2026-02-01", "individual", "booked"),
                ("2026-02-08", "individual", "cancelled"),
                ("2026-02-15", "individual", "no_show"),
                ("2026-02-22", "individual"),
            ],
        )
    )
    assert reasons(result) == [(None, "not_attended")] * 3 + [("r1", "ok")]
    assert result["individual"]["used"] == 1
    assert [s["rebatable"] for s in result["services"]] == [False, False, False, True]


def test_a_course_ends_after_its_sessions_and_the_report_falls_due():
    six = [(f"2026-02-{d:02d}", "individual") for d in (2, 9, 16, 23)] + [
        ("2026-03-02", "individual"),
        ("2026-03-09", "individual"),
        ("2026-03-16", "individual"),
    ]
    result = run(
        scenario(
            referrals=[("r1", "2026-01-15", 6)],
            services=six,
            proposed={"date": "2026-07-01", "type": "individual"},
        )
    )
    assert reasons(result) == [("r1", "ok")] * 6 + [(None, "referral_exhausted")]
    assert result["referrals"] == [{"id": "r1", "sessions": 6, "used": 6, "remaining": 0}]
    assert result["proposed"] == {
        "rebatable": False,
        "referral": None,
        "reason": "referral_exhausted",
    }
    assert result["actions"] == [
        {"code": "report_due", "referral": "r1"},
        {"code": "new_referral_needed"},
    ]


def test_a_sent_report_is_no_longer_due():
    services = [(f"2026-03-{d:02d}", "individual") for d in (2, 3, 4, 5)]
    result = run(
        scenario(referrals=[("r1", "2026-01-15", 4)], services=services, reports_sent=["r1"])
    )
    assert result["actions"] == [{"code": "new_referral_needed"}]


def test_sessions_draw_from_the_earliest_referral_with_sessions_left():
    result = run(
        scenario(
            referrals=[("later", "2026-03-01", 6), ("early", "2026-01-01", 2)],
            services=[
                ("2026-01-10", "individual"),
                ("2026-02-10", "individual"),
                ("2026-02-20", "individual"),
                ("2026-03-05", "individual"),
            ],
        )
    )
    # The third service has no referral with sessions left on its date: "later" is not
    # yet written, so it is exhausted, not drawn from the future referral.
    assert reasons(result) == [
        ("early", "ok"),
        ("early", "ok"),
        (None, "referral_exhausted"),
        ("later", "ok"),
    ]
    assert result["referrals"] == [
        {"id": "later", "sessions": 6, "used": 1, "remaining": 5},
        {"id": "early", "sessions": 2, "used": 2, "remaining": 0},
    ]
    assert {"code": "report_due", "referral": "early"} in result["actions"]


def test_input_order_breaks_ties_between_referrals_and_between_services():
    result = run(
        scenario(
            referrals=[("b", "2026-01-01", 1), ("a", "2026-01-01", 1)],
            services=[("2026-02-01", "individual"), ("2026-02-01", "individual")],
        )
    )
    assert reasons(result) == [("b", "ok"), ("a", "ok")]


def test_services_are_judged_in_date_order_not_input_order():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 1)],
            services=[("2026-03-01", "individual"), ("2026-02-01", "individual")],
        )
    )
    # Listed in input order; the February service came first and took the only session.
    assert reasons(result) == [(None, "referral_exhausted"), ("r1", "ok")]
    assert [s["date"] for s in result["services"]] == ["2026-03-01", "2026-02-01"]


def test_a_service_before_any_referral_has_no_referral():
    result = run(
        scenario(
            referrals=[("r1", "2026-03-01", 6)],
            services=[("2026-02-28", "individual"), ("2026-03-01", "individual")],
        )
    )
    assert reasons(result) == [(None, "no_referral"), ("r1", "ok")]


def test_an_unstated_or_oversized_course_counts_as_six_and_asks_for_confirmation():
    result = run(
        scenario(
            referrals=[
                ("none", "2026-01-01", None),
                ("ten", "2026-02-01", 10),
                ("four", "2026-02-02", 4),
            ]
        )
    )
    assert [r["sessions"] for r in result["referrals"]] == [6, 6, 4]
    assert result["actions"][:2] == [
        {"code": "confirm_sessions", "referral": "none"},
        {"code": "confirm_sessions", "referral": "ten"},
    ]


def test_referrals_carry_across_years_and_caps_reset_on_1_january():
    services = [(f"2025-{m:02d}-01", "individual") for m in range(3, 13)]  # ten in 2025
    services += [("2025-12-15", "individual"), ("2026-01-05", "individual")]
    result = run(
        scenario(
            as_of="2026-01-31",
            referrals=[("a", "2025-02-01", 6), ("b", "2025-06-01", 6), ("c", "2025-11-01", 6)],
            services=services,
        )
    )
    got = reasons(result)
    assert got[:10] == [("a", "ok")] * 6 + [("b", "ok")] * 4
    assert got[10] == (None, "annual_cap_reached")  # eleventh in 2025
    assert got[11] == ("b", "ok")  # 2026: cap reset, b still had 2 left from 2025
    assert result["year"] == 2026
    assert result["individual"] == {"used": 1, "cap": 10, "remaining": 9}
    assert result["referrals"][1] == {"id": "b", "sessions": 6, "used": 5, "remaining": 1}
    assert result["referrals"][2] == {"id": "c", "sessions": 6, "used": 0, "remaining": 6}


def test_the_cap_was_twenty_from_9_october_2020_to_the_end_of_2022():
    referrals = [(f"r{i}", "2021-01-01", 6) for i in range(4)]
    services = [(f"2021-{m:02d}-{d:02d}", "individual") for m in range(1, 12) for d in (10, 20)][
        :21
    ]
    result = run(scenario(as_of="2021-12-31", referrals=referrals, services=services))
    assert [r for _, r in reasons(result)] == ["ok"] * 20 + ["annual_cap_reached"]
    assert result["individual"] == {"used": 20, "cap": 20, "remaining": 0}
    assert {"code": "annual_cap_reached", "type": "individual"} in result["actions"]


def test_in_2020_the_higher_cap_starts_on_9_october():
    referrals = [(f"r{i}", "2020-01-01", 6) for i in range(3)]
    before = [(f"2020-{m:02d}-01", "individual") for m in range(1, 11)]  # 10 by 1 October
    result = run(
        scenario(
            as_of="2020-10-08",
            referrals=referrals,
            services=[*before, ("2020-10-08", "individual"), ("2020-10-09", "individual")],
        )
    )
    assert [r for _, r in reasons(result)][-2:] == ["annual_cap_reached", "ok"]
    assert result["individual"]["cap"] == 10  # as of 8 October 2020
    assert run(scenario(as_of="2023-01-01"))["individual"]["cap"] == 10


def test_services_elsewhere_count_toward_the_cap_of_their_year():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 6)],
            services=[("2026-02-01", "individual"), ("2026-02-08", "individual")],
            elsewhere={"2026": {"individual": 9, "group": 10}, "2025": {"individual": 10}},
            proposed={"date": "2026-03-01", "type": "group"},
        )
    )
    assert reasons(result) == [("r1", "ok"), (None, "annual_cap_reached")]
    assert result["individual"] == {"used": 10, "cap": 10, "remaining": 0}
    assert result["group"] == {"used": 10, "cap": 10, "remaining": 0}
    assert result["proposed"]["reason"] == "annual_cap_reached"
    assert result["actions"] == [
        {"code": "annual_cap_reached", "type": "individual"},
        {"code": "annual_cap_reached", "type": "group"},
    ]


def test_group_services_need_a_referral_but_draw_nothing_from_it():
    services = [(f"2026-02-{d:02d}", "group") for d in range(1, 12)]
    result = run(
        scenario(
            referrals=[("r1", "2026-01-20", 2), ("r2", "2026-01-25", 6)],
            services=[("2026-01-10", "group"), *services],
        )
    )
    got = reasons(result)
    assert got[0] == (None, "no_referral")
    assert got[1:11] == [("r1", "ok")] * 10  # the earliest referral, though it has only 2
    assert got[11] == (None, "annual_cap_reached")
    assert result["referrals"][0]["used"] == 0
    assert result["group"] == {"used": 10, "cap": 10, "remaining": 0}
    assert result["individual"]["used"] == 0


def test_family_carer_services_count_twice_and_stop_at_two_a_year():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 6)],
            services=[
                ("2026-02-01", "family_carer"),
                ("2026-02-08", "family_carer"),
                ("2026-02-15", "family_carer"),
                ("2026-02-22", "individual"),
            ],
        )
    )
    assert reasons(result) == [
        ("r1", "ok"),
        ("r1", "ok"),
        (None, "annual_cap_reached"),
        ("r1", "ok"),
    ]
    assert result["family_carer"] == {"used": 2, "cap": 2, "remaining": 0}
    assert result["individual"] == {"used": 3, "cap": 10, "remaining": 7}
    assert result["referrals"][0]["used"] == 3
    assert result["actions"] == [{"code": "annual_cap_reached", "type": "family_carer"}]


def test_a_family_carer_service_is_refused_when_the_individual_cap_is_reached():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 6)],
            services=[("2026-02-01", "family_carer")],
            elsewhere={"2026": {"individual": 10}},
        )
    )
    assert reasons(result) == [(None, "annual_cap_reached")]


def test_family_carer_services_elsewhere_count_as_individual_too():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 6)],
            elsewhere={"2026": {"individual": 3, "family_carer": 2}},
            proposed={"date": "2026-03-01", "type": "family_carer"},
        )
    )
    assert result["individual"]["used"] == 5
    assert result["family_carer"]["used"] == 2
    assert result["proposed"]["reason"] == "annual_cap_reached"


def test_the_cap_is_checked_before_the_course():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 1)],
            services=[("2026-02-01", "individual"), ("2026-02-08", "individual")],
            elsewhere={"2026": {"individual": 9}},
        )
    )
    # The second service hits both limits; the cap is named first.
    assert reasons(result) == [("r1", "ok"), (None, "annual_cap_reached")]
    assert result["actions"] == [
        {"code": "report_due", "referral": "r1"},
        {"code": "annual_cap_reached", "type": "individual"},
    ]


def test_no_new_referral_is_suggested_once_the_year_is_used_up():
    services = [(f"2026-{m:02d}-01", "individual") for m in range(1, 11)]
    result = run(
        scenario(
            as_of="2026-11-01",
            referrals=[("a", "2026-01-01", 6), ("b", "2026-05-15", 4)],
            services=services,
            reports_sent=["a", "b"],
        )
    )
    assert result["actions"] == [{"code": "annual_cap_reached", "type": "individual"}]


def test_a_client_with_no_referral_needs_one():
    result = run(
        scenario(
            services=[("2026-02-01", "individual")],
            proposed={"date": "2026-07-01", "type": "individual"},
        )
    )
    assert reasons(result) == [(None, "no_referral")]
    assert result["referrals"] == []
    assert result["proposed"]["reason"] == "no_referral"
    assert result["actions"] == [{"code": "new_referral_needed"}]


def test_counsellors_cannot_bill_better_access():
    result = run(
        scenario(
            provider="counsellor",
            referrals=[("r1", "2026-01-01", 6)],
            services=[
                ("2026-02-01", "individual", "attended"),
                ("2026-02-08", "individual", "cancelled"),
            ],
            proposed={"date": "2026-07-01", "type": "group"},
        )
    )
    assert reasons(result) == [(None, "provider_not_eligible"), (None, "not_attended")]
    assert result["proposed"]["reason"] == "provider_not_eligible"
    assert result["individual"]["used"] == 0
    assert result["referrals"][0]["remaining"] == 6


@pytest.mark.parametrize(
    "provider", ["clinical_psychologist", "psychologist", "occupational_therapist", "social_worker"]
)
def test_the_four_eligible_professions(provider):
    result = run(
        scenario(
            provider=provider,
            referrals=[("r1", "2026-01-01", 6)],
            services=[("2026-02-01", "individual")],
        )
    )
    assert reasons(result) == [("r1", "ok")]


def test_the_proposed_session_is_judged_after_every_service_without_being_counted():
    result = run(
        scenario(
            referrals=[("r1", "2026-01-01", 2)],
            services=[("2026-05-01", "individual")],
            proposed={"date": "2026-02-01", "type": "individual"},
        )
    )
    assert result["proposed"] == {"rebatable": True, "referral": "r1", "reason": "ok"}
    assert result["referrals"][0]["used"] == 1
    assert "proposed" not in run(scenario())


def test_a_referral_for_no_sessions_is_spent_at_once():
    result = run(
        scenario(referrals=[("r1", "2026-01-01", 0)], services=[("2026-02-01", "individual")])
    )
    assert reasons(result) == [(None, "referral_exhausted")]


@pytest.mark.parametrize(
    ("data", "field_path"),
    [
        ({"provider": "psychologist", "referrals": []}, "as_of"),
        ({"as_of": "2026-02-30", "provider": "psychologist", "referrals": []}, "as_of"),
        ({"as_of": "2026-01-01", "provider": "psychiatrist", "referrals": []}, "provider"),
        ({"as_of": "2026-01-01", "provider": "psychologist"}, "referrals"),
        (scenario(referrals=[("r1", "2026-01-01", -1)]), "referrals[0].sessions"),
        (scenario(referrals=[("r1", "2026-01-01", 6), ("r1", "2026-02-01", 6)]), "referrals[1].id"),
        ({**scenario(), "referrals": [{"id": "r1", "sessions": 6}]}, "referrals[0].date"),
        (
            {
                **scenario(),
                "services": [{"date": "2026-01-01", "type": "couple", "status": "attended"}],
            },
            "services[0].type",
        ),
        (
            {**scenario(), "services": [{"date": "2026-01-01", "type": "group", "status": "done"}]},
            "services[0].status",
        ),
        (scenario(elsewhere={"26": {"individual": 1}}), "elsewhere.26"),
        (scenario(elsewhere={"2026": {"individual": "two"}}), "elsewhere.2026.individual"),
        (scenario(reports_sent=["r9"]), "reports_sent[0]"),
        (scenario(proposed={"date": "soon", "type": "individual"}), "proposed.date"),
        (scenario(referrals=[("r1", "2026-01-01", True)]), "referrals[0].sessions"),
    ],
)
def test_bad_input_names_the_field(data, field_path):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data)
    assert error.value.field_path == field_path


def test_the_command_prints_json_and_exits_2_on_bad_input(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            scenario(referrals=[("r1", "2026-01-01", 6)], services=[("2026-02-01", "individual")])
        )
    )
    ok = subprocess.run(
        [sys.executable, "-m", "careloop", "entitlement", str(good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["individual"]["used"] == 1

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            scenario(referrals=[("r1", "2026-01-01", 6)], services=[("2026-02-31", "individual")])
        )
    )
    refused = subprocess.run(
        [sys.executable, "-m", "careloop", "entitlement", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "services[0].date" in refused.stderr

    not_json = tmp_path / "broken.json"
    not_json.write_text("{ nope")
    broken = subprocess.run(
        [sys.executable, "-m", "careloop", "entitlement", str(not_json)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert broken.returncode == 2 and "not valid JSON" in broken.stderr


def test_the_command_reads_a_file_saved_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(scenario(referrals=[("r1", "2026-01-01", 6)])), encoding="utf-8-sig")
    result = subprocess.run(
        [sys.executable, "-m", "careloop", "entitlement", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["referrals"][0]["remaining"] == 6


def test_family_carer_services_before_their_items_began_are_not_rebatable():
    # Family/carer items start on 1 March 2023 (MBS MN.7.5; BETTER_ACCESS.md §3.4).
    result = run(
        scenario(
            as_of="2023-03-01",
            referrals=[("r1", "2022-12-01", 6)],
            services=[("2023-02-28", "family_carer"), ("2023-03-01", "family_carer")],
            proposed={"date": "2023-02-27", "type": "family_carer"},
        )
    )
    assert reasons(result) == [(None, "no_item_on_date"), ("r1", "ok")]
    assert result["proposed"]["reason"] == "no_item_on_date"
    assert result["family_carer"]["used"] == 1
    assert result["individual"]["used"] == 1
    assert result["referrals"][0]["used"] == 1


def test_an_ineligible_provider_is_named_before_the_item_date():
    result = run(
        scenario(
            provider="counsellor",
            referrals=[("r1", "2022-01-01", 6)],
            services=[("2022-06-01", "family_carer")],
        )
    )
    assert reasons(result) == [(None, "provider_not_eligible")]
