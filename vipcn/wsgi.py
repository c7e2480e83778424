import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vipcn.settings")
application = get_wsgi_application()

# Production stops here rather than serve as a superuser or as the access log's owner.
from vipcn.dbroles import refuse_unsafe_database_role  # noqa: E402

refuse_unsafe_database_role()
