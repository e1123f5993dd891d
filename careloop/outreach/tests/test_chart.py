from datetime import date

from careloop.outreach.chart import monthly_counts, referrals_svg


def test_months_without_referrals_are_counted_as_none():
    counts = monthly_counts(
        [date(2026, 9, 3), date(2026, 9, 20), date(2026, 11, 1), date(2020, 1, 1)],
        today=date(2026, 11, 30),
        months=3,
    )
    assert counts == [(date(2026, 9, 1), 2), (date(2026, 10, 1), 0), (date(2026, 11, 1), 1)]


def test_the_chart_carries_its_text_alternative():
    counts = monthly_counts([date(2026, 9, 3)], today=date(2026, 11, 30), months=12)
    svg = referrals_svg(counts, chart_id="c", who="Dr O'Neil")
    assert 'role="img"' in svg and 'aria-labelledby="c-title c-desc"' in svg
    assert "Referrals from Dr O&#x27;Neil by month" in svg
    assert "1 referral from Dec 2025 to Nov 2026. Sep 2026: 1." in svg
    assert svg.count("<rect") == 1
