from django.urls import path

from deliveries.views import attempts as views
from vipcn.security.records import record_view

app_name = "attempts"
urlpatterns = [
    path("", views.ready, name="ready"),
    path("queue/", views.queue, name="queue"),
    path(
        "cases/<int:case_pk>/attempts/new/",
        record_view(views.attempt_record, case_pk="case"),
        name="record",
    ),
    path(
        "cases/<int:case_pk>/follow-ups/new/",
        record_view(views.follow_up_record, case_pk="case"),
        name="follow_up",
    ),
    path("attempts/<int:pk>/", record_view(views.attempt_detail, pk="attempt"), name="detail"),
    path("attempts/<int:pk>/edit/", record_view(views.attempt_edit, pk="attempt"), name="edit"),
    path(
        "attempts/<int:pk>/after-action/",
        record_view(views.after_action_record, pk="attempt"),
        name="after_action",
    ),
    path(
        "attempts/<int:pk>/confirm/",
        record_view(views.after_action_confirm, pk="attempt"),
        name="confirm",
    ),
]
