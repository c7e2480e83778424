"""No lost updates: a save against an older version is refused, and the other change shown."""

import pytest
from django.db import transaction

from tests.factories import CandidateFactory, UserFactory
from vipcn.concurrency import STALE, StaleEdit, VersionField, lock_for_edit, save_versioned

pytestmark = pytest.mark.django_db


def edit(candidate_pk, version, **changes):
    from candidates.models import Candidate

    with transaction.atomic():
        candidate = lock_for_edit(Candidate.objects, pk=candidate_pk, version=version)
        for field, value in changes.items():
            setattr(candidate, field, value)
        return save_versioned(candidate)


def test_the_first_save_wins_and_the_second_is_refused_with_the_change_shown():
    candidate = CandidateFactory(notes="original")
    loaded = candidate.version
    edit(candidate.pk, loaded, notes="first editor's note")
    with pytest.raises(StaleEdit) as refused:
        edit(candidate.pk, loaded, notes="second editor's note")
    assert refused.value.code == STALE
    assert "Nothing you entered was saved" in refused.value.messages[0]
    assert [(c.old, c.new) for c in refused.value.changes] == [("original", "first editor's note")]
    candidate.refresh_from_db()
    assert candidate.notes == "first editor's note"
    assert candidate.version == loaded + 1


def test_a_current_version_saves_and_bumps():
    candidate = CandidateFactory()
    saved = edit(candidate.pk, candidate.version, notes="x")
    saved = edit(candidate.pk, saved.version, notes="y")
    assert saved.version == candidate.version + 2


# A form always posts a version (VersionField is required, see below); what it posts may be
# blank or forged. ``None`` is no longer "missing": it is the caller without a form (a
# management command), the one stale-edit mechanism's documented contract (issue 15).
@pytest.mark.parametrize("bad", ["", "abc", "-1", 0])
def test_a_missing_or_forged_version_is_refused(bad):
    candidate = CandidateFactory(notes="kept")
    with pytest.raises(StaleEdit):
        edit(candidate.pk, bad, notes="overwritten")
    candidate.refresh_from_db()
    assert candidate.notes == "kept"


def test_no_version_means_a_caller_without_a_form_and_still_locks_and_bumps():
    candidate = CandidateFactory(notes="before")
    saved = edit(candidate.pk, None, notes="by a command")
    candidate.refresh_from_db()
    assert candidate.notes == "by a command"
    assert saved.version == candidate.version == 2


def test_the_stale_message_names_who_changed_it():
    from simple_history.utils import update_change_reason  # noqa: F401 - history is on

    candidate = CandidateFactory(notes="a")
    other = UserFactory(username="other_editor")
    candidate.notes = "b"
    candidate._history_user = other
    save_versioned(candidate)
    with pytest.raises(StaleEdit) as refused:
        edit(candidate.pk, 1, notes="c")
    assert "other_editor" in refused.value.messages[0]


def test_the_version_field_is_hidden_and_required():
    from django import forms

    class Form(forms.Form):
        version = VersionField()

    assert Form().fields["version"].widget.is_hidden
    form = Form({})
    assert not form.is_valid() and "reload the page" in str(form.errors)
