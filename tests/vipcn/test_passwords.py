"""Passwords: at least 12 characters, not a common password, not like the user's own
details; no composition rules."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def codes(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def test_it_refuses_short_passwords():
    assert "password_too_short" in codes("kq3!vZ8#mw1")  # 11 characters


def test_it_refuses_common_passwords():
    assert "password_too_common" in codes("password1234")


def test_it_refuses_passwords_like_the_users_details():
    user = UserFactory(username="marisol.quintana", first_name="Marisol", last_name="Quintana")
    assert "password_too_similar" in codes("marisol.quintana", user)


def test_it_accepts_a_long_passphrase_without_composition_rules():
    user = UserFactory(username="riley")
    assert codes("lantern orchard thirteen", user) == set()
