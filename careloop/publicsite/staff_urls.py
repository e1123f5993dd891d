from django.urls import path

from . import staff_views

app_name = "website"
urlpatterns = [
    path("", staff_views.overview, name="overview"),
    path("pages/", staff_views.edit_site, name="edit_site"),
    path("clinicians/<uuid:member>/", staff_views.edit_clinician, name="edit_clinician"),
    path("articles/new/", staff_views.edit_article, name="article_create"),
    path("articles/<uuid:article>/", staff_views.edit_article, name="article_edit"),
    path("publish/", staff_views.publish_all, name="publish_all"),
    path("publish/site/<uuid:site>/", staff_views.publish, {"kind": "site"}, name="publish_site"),
    path(
        "publish/clinician/<uuid:page>/",
        staff_views.publish,
        {"kind": "page"},
        name="publish_clinician",
    ),
    path(
        "publish/article/<uuid:article>/",
        staff_views.publish,
        {"kind": "article"},
        name="publish_article",
    ),
    path(
        "unpublish/clinician/<uuid:page>/",
        staff_views.unpublish,
        {"kind": "page"},
        name="unpublish_clinician",
    ),
    path(
        "unpublish/article/<uuid:article>/",
        staff_views.unpublish,
        {"kind": "article"},
        name="unpublish_article",
    ),
    # The site's own addresses follow preview/ (links.site_reverse makes them).
    path("preview/", staff_views.preview, name="preview"),
    path("preview/<path:rest>", staff_views.preview, name="preview_page"),
]
