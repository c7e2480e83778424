from django.urls import path

from deliveries.views import cases as views
from vipcn.security.records import record_view

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("my-work/", views.my_work, name="my_work"),
    path("approval-queue/", views.approval_queue, name="approval_queue"),
    path(
        "open/<int:candidate_pk>/",
        record_view(views.case_open, candidate_pk="candidate"),
        name="open",
    ),
    path("<int:pk>/", record_view(views.case_detail, pk="case"), name="detail"),
    path("<int:pk>/approve/", record_view(views.approve, pk="case"), name="approve"),
    path("<int:pk>/withdraw/", record_view(views.withdraw, pk="case"), name="withdraw"),
    path("<int:pk>/threat-assessment/", record_view(views.threat, pk="case"), name="threat"),
    path("<int:pk>/background-check/", record_view(views.background, pk="case"), name="background"),
    path("<int:pk>/letter/draft/", record_view(views.letter_draft, pk="case"), name="letter_draft"),
    path(
        "<int:pk>/letter/accept/", record_view(views.letter_accept, pk="case"), name="letter_accept"
    ),
    path("<int:pk>/letter/none/", record_view(views.no_letter, pk="case"), name="no_letter"),
    path("<int:pk>/letter/", record_view(views.letter_preview, pk="case"), name="letter_preview"),
    path("<int:pk>/letter.pdf", record_view(views.letter_pdf, pk="case"), name="letter_pdf"),
    path("<int:pk>/team/add/", record_view(views.team_add, pk="case"), name="team_add"),
    path("<int:pk>/team/remove/", record_view(views.team_remove, pk="case"), name="team_remove"),
    path("<int:pk>/social-services/", record_view(views.social, pk="case"), name="social"),
    path("<int:pk>/juvenile/jpo/", record_view(views.jpo, pk="case"), name="jpo"),
    path(
        "<int:pk>/juvenile/decision/",
        record_view(views.juvenile_decision, pk="case"),
        name="juvenile_decision",
    ),
    path(
        "<int:pk>/juvenile/guardian-contact/",
        record_view(views.guardian_contact, pk="case"),
        name="guardian_contact",
    ),
    path(
        "<int:pk>/juvenile/planned-guardian/",
        record_view(views.planned_guardian, pk="case"),
        name="planned_guardian",
    ),
]
