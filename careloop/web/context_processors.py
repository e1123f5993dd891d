from django.urls import reverse


def navigation(request):
    """The staff navigation, by area; owners also see the practice's administration."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "practice", None) is None:
        return {}
    areas = [
        ("Dashboard", "dashboard"),
        ("Referrals", "referrals:list"),
        ("Letters", "letters:due"),
        ("Clients", "clients:list"),
        ("Sessions", "therapy:list"),
        ("Doctors", "directory:doctor_list"),
        ("Medical practices", "directory:medical_practice_list"),
    ]
    if user.is_owner:
        areas += [("Audit log", "audit:list"), ("Practice", "practices:settings")]
    current = request.path
    items = []
    for label, name in areas:
        url = reverse(name)
        active = current == url if name == "dashboard" else current.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
