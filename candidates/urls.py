from django.urls import path

from candidates.views import people, records
from vipcn.security.records import record_view

app_name = "candidates"
# record_view: what each URL argument names, for the access log (vipcn/security/records.py).
urlpatterns = [
    path("", people.candidate_list, name="list"),
    path("new/", people.candidate_create, name="create"),
    path("<int:pk>/", record_view(people.candidate_detail, pk="candidate"), name="detail"),
    path("<int:pk>/edit/", record_view(people.candidate_edit, pk="candidate"), name="edit"),
    path("<int:pk>/bases/add/", record_view(people.basis_add, pk="candidate"), name="basis_add"),
    path(
        "<int:pk>/bases/<int:basis_pk>/withdraw/",
        record_view(people.basis_withdraw, pk="candidate", basis_pk="basis"),
        name="basis_withdraw",
    ),
    path(
        "<int:pk>/determination/",
        record_view(people.determination_record, pk="candidate"),
        name="determination",
    ),
    path(
        "<int:pk>/relationships/add/",
        record_view(people.relationship_add, pk="candidate"),
        name="relationship_add",
    ),
    path(
        "<int:pk>/relationships/<int:rel_pk>/edit/",
        record_view(people.relationship_edit, pk="candidate", rel_pk="relationship"),
        name="relationship_edit",
    ),
    path("<int:pk>/names/", record_view(people.names_addresses, pk="candidate"), name="aliases"),
    path("<int:pk>/names/add/", record_view(people.alias_add, pk="candidate"), name="alias_add"),
    path(
        "<int:pk>/names/<int:alias_pk>/remove/",
        record_view(people.alias_remove, pk="candidate", alias_pk="alias"),
        name="alias_remove",
    ),
    path(
        "<int:pk>/addresses/add/",
        record_view(people.address_add, pk="candidate"),
        name="address_add",
    ),
    path(
        "<int:pk>/addresses/<int:address_pk>/edit/",
        record_view(people.address_edit, pk="candidate", address_pk="address"),
        name="address_edit",
    ),
    path(
        "<int:pk>/addresses/<int:address_pk>/remove/",
        record_view(people.address_remove, pk="candidate", address_pk="address"),
        name="address_remove",
    ),
    path("<int:pk>/duplicates/", record_view(people.duplicates, pk="candidate"), name="duplicates"),
    path("<int:pk>/merge/", record_view(people.merge, pk="candidate"), name="merge"),
    # shootings
    path("shootings/", records.shooting_list, name="shootings"),
    path("shootings/new/", records.shooting_form, name="shooting_create"),
    path(
        "shootings/<int:pk>/",
        record_view(records.shooting_detail, pk="shooting"),
        name="shooting_detail",
    ),
    path(
        "shootings/<int:pk>/edit/",
        record_view(records.shooting_form, pk="shooting"),
        name="shooting_edit",
    ),
    path(
        "shootings/<int:pk>/people/add/",
        record_view(records.involvement_add, pk="shooting"),
        name="involvement_add",
    ),
    path(
        "shootings/<int:pk>/people/<int:involvement_pk>/remove/",
        record_view(records.involvement_remove, pk="shooting", involvement_pk="involvement"),
        name="involvement_remove",
    ),
    # GVIS meetings
    path("gvis/", records.gvis_list, name="gvis"),
    path("gvis/new/", records.gvis_form, name="gvis_create"),
    path("gvis/<int:pk>/", record_view(records.gvis_detail, pk="gvis_meeting"), name="gvis_detail"),
    path(
        "gvis/<int:pk>/edit/", record_view(records.gvis_form, pk="gvis_meeting"), name="gvis_edit"
    ),
    # groups
    path("groups/", records.group_list, name="groups"),
    path("groups/new/", records.group_form, name="group_create"),
    path("groups/<int:pk>/", record_view(records.group_detail, pk="group"), name="group_detail"),
    path("groups/<int:pk>/edit/", record_view(records.group_form, pk="group"), name="group_edit"),
    path(
        "groups/<int:pk>/members/add/",
        record_view(records.group_member_add, pk="group"),
        name="group_member_add",
    ),
    path(
        "groups/<int:pk>/members/<int:membership_pk>/remove/",
        record_view(records.group_member_remove, pk="group", membership_pk="membership"),
        name="group_member_remove",
    ),
]
