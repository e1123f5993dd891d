from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from careloop.entitlements.models import MbsFee, MbsItem
from careloop.entitlements.schedule import ITEMS_CSV, Schedule, benefit_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("profession", "session_type", "modality", "minutes", "on", "item"),
    [
        ("clinical_psychologist", "individual", "in_rooms", 50, date(2026, 5, 1), "80010"),
        ("clinical_psychologist", "individual", "in_rooms", 30, date(2026, 5, 1), "80000"),
        ("clinical_psychologist", "individual", "in_rooms", 25, date(2026, 5, 1), None),  # PT ≥30
        ("psychologist", "individual", "in_rooms", 25, date(2026, 5, 1), "80100"),  # FPS ≥20
        ("psychologist", "individual", "out_of_rooms", 60, date(2026, 5, 1), "80115"),
        ("occupational_therapist", "individual", "out_of_rooms", 50, date(2026, 5, 1), "80140"),
        ("social_worker", "individual", "in_rooms", 50, date(2026, 5, 1), "80160"),
        ("psychologist", "individual", "video", 30, date(2026, 5, 1), "91169"),
        ("clinical_psychologist", "individual", "phone", 50, date(2026, 5, 1), "91182"),
        ("psychologist", "group", "in_rooms", 60, date(2026, 5, 1), "80120"),
        ("psychologist", "group", "video", 95, date(2026, 5, 1), "80123"),
        ("clinical_psychologist", "group", "video", 120, date(2026, 5, 1), "80025"),
        ("psychologist", "group", "in_rooms", 120, date(2022, 6, 1), "80120"),  # before Nov 2022
        ("psychologist", "group", "phone", 60, date(2026, 5, 1), None),  # no phone groups
        ("psychologist", "family_carer", "video", 50, date(2026, 5, 1), "91177"),
        ("social_worker", "family_carer", "in_rooms", 30, date(2026, 5, 1), "80154"),
        ("psychologist", "family_carer", "in_rooms", 50, date(2022, 6, 1), None),  # from Mar 2023
        ("counsellor", "individual", "in_rooms", 50, date(2026, 5, 1), None),
    ],
)
def test_each_session_gets_its_item_from_the_table(
    profession, session_type, modality, minutes, on, item
):
    assert (
        Schedule().item_for(
            profession=profession,
            session_type=session_type,
            modality=modality,
            minutes=minutes,
            on=on,
        )
        == item
    )


def test_fees_apply_for_their_period_with_an_85_percent_benefit(tmp_path):
    fees = tmp_path / "fees.csv"
    fees.write_text(
        "item,fee,valid_from,valid_to\n80110,116.40,2025-07-01,2026-06-30\n"
        "80110,119.45,2026-07-01,\n"
    )
    call_command("load_mbs_fees", str(fees), stdout=StringIO())
    schedule = Schedule()
    args = {
        "profession": "psychologist",
        "session_type": "individual",
        "modality": "in_rooms",
        "minutes": 50,
    }
    assert schedule.price(**args, on=date(2026, 3, 1)).fee == Decimal("116.40")
    june = schedule.price(**args, on=date(2026, 7, 1))
    assert (june.fee, june.benefit) == (Decimal("119.45"), Decimal("101.55"))
    assert schedule.price(**args, on=date(2025, 1, 1)).fee is None  # not loaded
    # Loading the same period again replaces, not duplicates.
    call_command("load_mbs_fees", str(fees), stdout=StringIO())
    assert MbsFee.objects.count() == 2


@pytest.mark.parametrize(
    ("fee", "benefit"),
    [("100.00", "85.00"), ("116.40", "98.95"), ("82.50", "70.15"), ("30.45", "25.90")],
)
def test_the_benefit_is_85_percent_rounded_up_to_5_cents(fee, benefit):
    assert benefit_of(Decimal(fee)) == Decimal(benefit)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("item,fee,valid_from\n80110,abc,2026-07-01\n", "row 2: fee 'abc' is not an amount"),
        ("item,fee,valid_from\n80110,10.00,2026-07-01\n80110,-1,2026-07-01\n", "row 3"),
        ("item,fee,valid_from\n80110,10.005,2026-07-01\n", "dollars and cents"),
        ("item,fee,valid_from\n80110,NaN,2026-07-01\n", "row 2: fee 'NaN' must be positive"),
        ("item,fee,valid_from\n80110,Infinity,2026-07-01\n", "dollars and cents"),
        ("item,fee,valid_from\n80110,10,01/07/2026\n", "not a date as YYYY-MM-DD"),
        ("item,price\n80110,10\n", "needs the columns"),
    ],
)
def test_a_bad_fee_file_is_refused_whole(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("load_mbs_fees", str(path), stdout=StringIO())
    assert not MbsFee.objects.exists()


def test_the_item_table_reloads_from_csv_all_or_nothing(tmp_path):
    before = MbsItem.objects.count()
    assert before == len(ITEMS_CSV.read_text().splitlines()) - 1
    bad = tmp_path / "items.csv"
    lines = ITEMS_CSV.read_text().splitlines()
    bad.write_text("\n".join([*lines, "80999,psychologist,individual,on_the_moon,50,,,,V,x"]))
    with pytest.raises(CommandError, match="setting 'on_the_moon' is not one of"):
        call_command("load_mbs_items", str(bad), stdout=StringIO())
    assert MbsItem.objects.count() == before
    # A schedule change: a new item from a date, the old one closed the day before.
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "\n".join(
            [*lines, "80999,psychologist,individual,in_rooms,50,,2027-01-01,,V,test"]
        ).replace(
            "80110,psychologist,individual,in_rooms,50,,,",
            "80110,psychologist,individual,in_rooms,50,,,2026-12-31",
        )
    )
    call_command("load_mbs_items", str(changed), stdout=StringIO())
    args = {
        "profession": "psychologist",
        "session_type": "individual",
        "modality": "in_rooms",
        "minutes": 50,
    }
    assert Schedule().item_for(**args, on=date(2026, 12, 31)) == "80110"
    assert Schedule().item_for(**args, on=date(2027, 1, 1)) == "80999"
