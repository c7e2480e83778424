"""Give a user a role from a shell on the server (README, "Security": separation of duties).

The Auditor and Records Custodian roles need a second administrator in the admin; this command
is the other way to give them, by whoever operates the server. The grant is logged with the
operator's login name.
"""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from vipcn.roles import ALL_ROLES
from vipcn.security.duties import role_grant_at_command_line


class Command(BaseCommand):
    help = "Give a user one of the roles (Auditor and Records Custodian included)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=ALL_ROLES)

    def handle(self, *args, username, role, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        try:
            operator = getpass.getuser()
        except (KeyError, OSError):
            operator = ""
        granted = role_grant_at_command_line(user=user, role=role, operator=operator)
        if granted:
            self.stdout.write(self.style.SUCCESS(f"{username} now has the role {role}."))
        else:
            self.stdout.write(f"{username} already had the role {role}.")
