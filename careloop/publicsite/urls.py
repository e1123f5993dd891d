from django.urls import path

from careloop.outreach import views_visits as outreach_views

from . import site_views, views

app_name = "publicsite"
urlpatterns = [
    path("<slug:slug>/", views.practice_home, name="home"),
    path("<slug:slug>/refer/", views.refer, name="refer"),
    path("<slug:slug>/refer/thanks/", views.refer_thanks, name="refer_thanks"),
]

# The practice's website (site_views.py). Every page starting with the slug is also
# served at the root of the practice's own domain (domain_urls.py).
urlpatterns += [
    path("<slug:slug>/services/<slug:code>/", site_views.service, name="service"),
    path("<slug:slug>/clinicians/", site_views.clinicians, name="clinicians"),
    path("<slug:slug>/clinicians/<slug:clinician>/", site_views.clinician, name="clinician"),
    path("<slug:slug>/for-doctors/", site_views.for_doctors, name="for_doctors"),
    path("<slug:slug>/contact/", site_views.contact, name="contact"),
    path("<slug:slug>/articles/", site_views.articles, name="articles"),
    path("<slug:slug>/articles/<slug:article>/", site_views.article, name="article"),
    path("<slug:slug>/privacy/", site_views.privacy, name="privacy"),
    # The leave-behind for doctors, linked from the "for doctors" page.
    path("<slug:slug>/leave-behind.pdf", outreach_views.public_leave_behind, name="leave_behind"),
    path("<slug:slug>/sitemap.xml", site_views.sitemap, name="sitemap"),
    path("<slug:slug>/robots.txt", site_views.robots_txt, name="robots_txt"),
    path("<slug:slug>/theme.css", site_views.theme_css, name="theme_css"),
    # <image uuid>-<width>.webp (a slug, so each variant is one address segment)
    path("<slug:slug>/images/<slug:variant>.webp", site_views.image, name="image"),
]
