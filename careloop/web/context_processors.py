from django.urls import reverse


def navigation(request):
    """The staff navigation, by area; owners also see the practice's administration."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "practice", None) is None:
        return {}
    areas = [("Dashboard", "dashboard")]
    # By role, not `is_clinician` (a query on every page); reception reaches the diary
    # from Sessions. `web` sits below `practices`, hence the plain role values.
    if user.role in ("owner", "clinician"):
        areas.append(("Diary", "therapy:diary"))
    areas += [
        ("Referrals", "referrals:list"),
    ]
    # Enquiries from the website: the front desk and owners answer them
    # (practices.permissions.may_handle_enquiries).
    if user.role in ("owner", "admin"):
        areas.append(("Enquiries", "enquiries:list"))
    areas += [
        ("Letters", "letters:due"),
        ("Clients", "clients:list"),
        ("Sessions", "therapy:list"),
        ("Doctors", "directory:doctor_list"),
        ("Medical practices", "directory:medical_practice_list"),
        ("Who to visit", "outreach:visit_next"),
        ("Outreach", "outreach:tasks"),
        ("Website", "website:overview"),
    ]
    if user.is_owner:
        areas += [
            ("Insights", "insights:index"),
            ("Audit log", "audit:list"),
            ("Practice", "practices:settings"),
        ]
    current = request.path
    items = []
    urls = [reverse(name) for _, name in areas]
    for (label, name), url in zip(areas, urls, strict=True):
        # The longest matching address wins: the diary (/sessions/diary/) is not Sessions.
        longer = any(
            other != url and other.startswith(url) and current.startswith(other) for other in urls
        )
        active = current == url if name == "dashboard" else current.startswith(url) and not longer
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
