"""A client's outcome measures as pages and letters show them: a chart and the latest
scores for each measure, and the client's safety alerts."""

from collections import defaultdict

from .chart import trend_svg
from .scoring import definitions


def client_measures_context(client) -> dict:
    """The client page's section: a chart and the latest scores for each measure."""
    by_measure = defaultdict(list)
    for result in client.measure_results.order_by("administered_on", "created_at"):
        by_measure[result.measure].append(result)
    sections = []
    for code, measure in definitions().items():
        results = by_measure.get(code, [])
        sections.append(
            {
                "measure": measure,
                "results": results,
                "latest": results[-1] if results else None,
                "chart": trend_svg(measure, results, chart_id=f"chart-{code}") if results else "",
            }
        )
    alerts = list(client.alerts.select_related("result", "followed_up_by").order_by("-created_at"))
    return {
        "measure_sections": sections,
        "open_alerts": [a for a in alerts if a.followed_up_at is None],
        "past_alerts": [a for a in alerts if a.followed_up_at is not None],
    }
