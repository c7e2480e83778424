from django.urls import path

from deliveries.views import personnel as views
from vipcn.security.records import record_view

app_name = "personnel"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("add/", views.person_create, name="create"),
    path("command-level/", views.command_share, name="command_share"),
    path("<int:pk>/", record_view(views.person_detail, pk="personnel"), name="detail"),
    path("<int:pk>/edit/", record_view(views.person_edit, pk="personnel"), name="edit"),
    path(
        "<int:pk>/training/", record_view(views.training_add, pk="personnel"), name="training_add"
    ),
    path(
        "<int:pk>/accompaniment/",
        record_view(views.accompaniment_add, pk="personnel"),
        name="accompaniment_add",
    ),
    path(
        "accompaniments/<int:pk>/confirm/",
        record_view(views.accompaniment_confirm, pk="accompaniment"),
        name="accompaniment_confirm",
    ),
    path(
        "accompaniments/<int:pk>/reject/",
        record_view(views.accompaniment_reject, pk="accompaniment"),
        name="accompaniment_reject",
    ),
]
