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
    path("publish/<str:kind>/<uuid:public_id>/", staff_views.publish, name="publish"),
    path("unpublish/<str:kind>/<uuid:public_id>/", staff_views.unpublish, name="unpublish"),
    # The site's own addresses follow preview/ (links.site_reverse makes them).
    path("preview/", staff_views.preview, name="preview"),
    path("preview/<path:rest>", staff_views.preview, name="preview_page"),
]
