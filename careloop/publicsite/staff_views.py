"""The staff app's side of the public website: edit drafts, preview them, publish."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_POST

from careloop.practices.models import User, clinicians_of
from careloop.practices.permissions import may_publish_website
from careloop.practices.scoping import get_scoped_or_404
from careloop.web.records import acting, practice_member_required

from . import actions, hosts
from .domain_urls import for_practice
from .models import Article, ClinicianPage, PublicSite
from .staff_forms import ArticleForm, ClinicianPageForm, SiteForm


def _status(obj) -> str:
    if obj is None or not obj.is_published:
        return "Not published"
    return "Changes not published" if obj.has_unpublished_changes else "Published"


@practice_member_required
def overview(request):
    practice = request.practice
    site = PublicSite.objects.for_practice(practice).first()
    pages = {
        p.user_id: p for p in ClinicianPage.objects.for_practice(practice).select_related("user")
    }
    people = [(member, pages.get(member.pk)) for member in clinicians_of(practice)]
    articles = list(Article.objects.for_practice(practice))
    unpublished = (
        (site is None or site.has_unpublished_changes)
        or any(p.has_unpublished_changes for p in pages.values())
        or any(a.has_unpublished_changes for a in articles)
    )
    return render(
        request,
        "publicsite/staff/overview.html",
        {
            "site": site,
            "site_status": _status(site),
            "people": [(m, p, _status(p)) for m, p in people],
            "articles": [(a, _status(a)) for a in articles],
            "may_publish": may_publish_website(request.user),
            "unpublished": unpublished,
        },
    )


@practice_member_required
def edit_site(request):
    practice = request.practice
    site = PublicSite.objects.for_practice(practice).first()
    draft = site.draft if site else actions.default_site_draft(practice)
    options = {
        "niches": list(practice.niches.all()),
        "site": site,
        "may_set_domain": may_publish_website(request.user),
    }
    if request.method == "POST":
        form = SiteForm(request.POST, request.FILES, **options)
        if form.is_valid():
            site = actions.save_site_draft(
                site or actions.site_of(practice),
                form.values(),
                logo_upload=form.cleaned_data.get("logo") or None,
                domain=form.cleaned_data.get("domain") if "domain" in form.fields else None,
                **acting(request),
            )
            hosts.forget_domains()
            messages.success(request, "Website pages saved as a draft. Preview, then publish.")
            return redirect("website:overview")
    else:
        form = SiteForm(
            initial=SiteForm.initial_from(draft, site.domain if site else None), **options
        )
    return render(
        request,
        "publicsite/staff/form.html",
        {"form": form, "title": "Website pages and theme", "preview_path": ""},
        status=400 if form.errors else 200,
    )


@practice_member_required
def edit_clinician(request, member):
    # Any member may be given a profile; the site shows it once they have a clinician
    # profile (a profession) as well.
    user = get_scoped_or_404(User.objects.filter(is_active=True), request.practice, member)
    page = ClinicianPage.objects.for_practice(request.practice).filter(user=user).first()
    if request.method == "POST":
        form = ClinicianPageForm(request.POST, request.FILES)
        if form.is_valid():
            page = actions.save_clinician_draft(
                page or actions.page_of(user),
                form.values(),
                photo_upload=form.cleaned_data.get("photo") or None,
                remove_photo=form.cleaned_data.get("remove_photo", False),
                **acting(request),
            )
            messages.success(request, f"Profile of {user} saved as a draft.")
            return redirect("website:overview")
    else:
        draft = page.draft if page else {"languages": ["English"]}
        form = ClinicianPageForm(
            initial={
                "public": draft.get("public", False),
                "bio_md": draft.get("bio_md", ""),
                "languages": ", ".join(draft.get("languages", [])),
            }
        )
    return render(
        request,
        "publicsite/staff/form.html",
        {
            "form": form,
            "title": f"Website profile: {user}",
            "preview_path": f"clinicians/{page.slug}/" if page else None,
        },
        status=400 if form.errors else 200,
    )


@practice_member_required
def edit_article(request, article=None):
    found = get_scoped_or_404(Article.objects.all(), request.practice, article) if article else None
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            saved = actions.save_article_draft(
                found, form.cleaned_data, practice=request.practice, **acting(request)
            )
            messages.success(request, f"Article “{saved}” saved as a draft.")
            return redirect("website:overview")
    else:
        draft = found.draft if found else {}
        form = ArticleForm(initial={k: draft.get(k, "") for k in ("title", "summary", "body_md")})
    return render(
        request,
        "publicsite/staff/form.html",
        {
            "form": form,
            "title": f"Article: {found}" if found else "New article",
            "preview_path": f"articles/{found.slug}/" if found else None,
        },
        status=400 if form.errors else 200,
    )


_KINDS = {"site": PublicSite, "page": ClinicianPage, "article": Article}


def _publishable(request, kind, kwargs):
    """The object named in the address, looked up before the method is checked, so
    another practice's id answers 404 whatever the method."""
    obj = get_scoped_or_404(_KINDS[kind].objects.all(), request.practice, kwargs[kind])
    if request.method != "POST":
        raise _MethodNotAllowed
    return obj


class _MethodNotAllowed(Exception):
    pass


def _post_only(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _MethodNotAllowed:
            return HttpResponseNotAllowed(["POST"])

    wrapped.__name__ = view.__name__
    return wrapped


@practice_member_required
@_post_only
def publish(request, kind, **kwargs):
    obj = _publishable(request, kind, kwargs)
    actions.publish(obj, **acting(request))
    messages.success(request, f"Published: {obj}. The website shows it now.")
    return redirect("website:overview")


@practice_member_required
@_post_only
def unpublish(request, kind, **kwargs):
    obj = _publishable(request, kind, kwargs)
    assert not isinstance(obj, PublicSite)  # no such address
    actions.unpublish(obj, **acting(request))
    messages.success(request, f"Taken off the website: {obj}.")
    return redirect("website:overview")


@require_POST
@practice_member_required
def publish_all(request):
    count = actions.publish_everything(request.practice, **acting(request))
    messages.success(
        request,
        f"Published {count} change{'s' if count != 1 else ''}. The website shows them now."
        if count
        else "Nothing to publish: the website already shows every draft.",
    )
    return redirect("website:overview")


@practice_member_required
def preview(request, rest=""):
    """The public site with the drafts, as it will look once published."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        match = resolve("/" + rest, urlconf=for_practice(request.practice.slug))
    except Resolver404 as error:
        raise Http404 from error
    request.site_preview = True
    request.public_site_slug = request.practice.slug
    return match.func(request, *match.args, **match.kwargs)
