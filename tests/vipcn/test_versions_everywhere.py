"""No lost updates on any edit form: a form posted without the version it was loaded with, or
with an old one, is refused and nothing is overwritten (each family: candidates, records,
personnel, delivery)."""

import datetime

import pytest
from django.urls import reverse

from deliveries.models import AfterAction, CNCase
from deliveries.services import delivery as delivery_services
from tests import factories as f
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


def _edits():
    """(url name, args, object) for every edit page whose object has a version."""

    def candidate():
        c = f.CandidateFactory()
        return "candidates:edit", [c.pk], c

    def address():
        a = f.AddressFactory()
        return "candidates:address_edit", [a.candidate_id, a.pk], a

    def relationship():
        r = f.RelationshipFactory()
        return "candidates:relationship_edit", [r.candidate_id, r.pk], r

    def shooting():
        s = f.ShootingFactory()
        return "candidates:shooting_edit", [s.pk], s

    def group():
        g = f.GroupFactory()
        return "candidates:group_edit", [g.pk], g

    def gvis():
        m = f.GVISMeetingFactory()
        return "candidates:gvis_edit", [m.pk], m

    def person():
        p = f.PersonnelFactory()
        return "personnel:edit", [p.pk], p

    return [candidate, address, relationship, shooting, group, gvis, person]


def _post_data(form):
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    return data


@pytest.mark.parametrize("make", _edits(), ids=lambda m: m.__name__)
def test_it_refuses_an_edit_without_or_with_an_old_version(client, lead_user, make):
    name, args, obj = make()
    login_as(client, lead_user)
    url = reverse(name, args=args)
    page = client.get(url)
    assert page.status_code == 200, name
    data = _post_data(page.context["form"])
    assert int(data["version"]) == obj.version
    before = type(obj).objects.get(pk=obj.pk).version
    for version in (None, before - 1):
        posted = {k: v for k, v in data.items() if k != "version"}
        if version is not None:
            posted["version"] = version
        response = client.post(url, posted)
        assert response.status_code == 200, (name, version)
        assert type(obj).objects.get(pk=obj.pk).version == before, (name, version)
    # The same form with its version saves: the refusals above were about the version.
    response = client.post(url, data)
    assert response.status_code == 302, (name, page.context["form"].errors)
    assert type(obj).objects.get(pk=obj.pk).version == before + 1


def test_a_confirmation_loaded_before_the_after_action_was_recorded_is_refused(
    client, lead_user, staff_user
):
    attempt = f.AttemptFactory(created_by=staff_user)
    login_as(client, lead_user)
    url = reverse("attempts:confirm", args=[attempt.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["version"].value() == 0
    # Meanwhile the officer records the after-action.
    delivery_services.after_action_record(
        attempt=attempt,
        data={
            "ecc_outcome_advised_at": attempt.contact_at + datetime.timedelta(minutes=20),
            "ecc_outcome_advised_by": "Officer Demo",
            "cad_number": "26-0000777",
        },
        actor=staff_user,
    )
    response = client.post(
        url, {"version": 0, "decision": AfterAction.Decision.CLOSE, "note": "Done"}
    )
    assert response.status_code == 200
    # One stale-edit check for every service (vipcn.concurrency.ensure_current, issue 15
    # finding 5): its one message.
    assert "Nothing you entered was saved" in response.content.decode()
    attempt.case.refresh_from_db()
    assert attempt.case.state == CNCase.State.ATTEMPTED
    assert AfterAction.objects.get(attempt=attempt).confirmed_at is None
