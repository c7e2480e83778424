"""The project's admin site: every ModelAdmin registered on it applies the record limits.

Django's own (users, groups) and other packages' (authenticators, lockouts) included, and any
registered later: the limits are mixed in at registration, not remembered per admin class.
"""

from django.contrib.admin import AdminSite

from vipcn.admin_limits import RecordLimits


class VipcnAdminSite(AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        from django.contrib.admin import ModelAdmin

        admin_class = admin_class or ModelAdmin
        # First in the MRO, so that no admin class can override a limit. (A class that
        # already has it, e.g. a subclass of a registered admin, keeps its own order.)
        if not issubclass(admin_class, RecordLimits):
            admin_class = type(
                admin_class.__name__,
                (RecordLimits, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        return super().register(model_or_iterable, admin_class, **options)
