from django.urls import path

from . import views

app_name = "enquiries"
urlpatterns = [
    path("", views.EnquiryListView.as_view(), name="list"),
    path("<uuid:enquiry>/", views.enquiry_detail, name="detail"),
    path("<uuid:enquiry>/client/", views.enquiry_convert, name="convert"),
    path("<uuid:enquiry>/close/", views.enquiry_close, name="close"),
]
