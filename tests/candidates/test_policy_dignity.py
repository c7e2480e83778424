"""POL-DIGNITY: nothing in the application labels a person beyond what the SOP names."""

import polib
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from candidates import policy

LOCALE = "locale/es/LC_MESSAGES/django.po"


class TestDignity:
    def test_it_refuses_a_label_the_sop_does_not_use(self):
        with pytest.raises(ValidationError) as exc:
            policy.Dignity().validate("Known gangbanger")
        assert exc.value.error_list[0].code == "POL-DIGNITY"
        assert "POL-DIGNITY" in exc.value.messages[0]

    def test_it_catches_plurals_and_case(self):
        with pytest.raises(ValidationError):
            policy.Dignity().validate("Repeat Offenders")

    def test_it_accepts_the_sops_own_terms(self):
        for label in ("Candidate", "Victim", "Influencer", "Group member", "Gang"):
            policy.Dignity().validate(label)

    def test_every_choice_and_model_label_keeps_to_the_sop_terms(self):
        with translation.override("en"):
            labels = policy.application_labels()
        assert len(labels) > 50  # the walk really found the models' choices
        for label in labels:
            policy.Dignity().validate(label)

    def test_every_interface_string_keeps_to_the_sop_terms(self):
        for entry in polib.pofile(LOCALE):
            policy.Dignity().validate(entry.msgid)
