import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Web requests only: each PostgreSQL connection of this process gets a statement timeout (config.database).
from config.database import limit_web_statements  # noqa: E402

limit_web_statements()

# The embedded default has no beat process: the web process runs the periodic tasks (config.embedded).
from config.embedded import start_if_embedded  # noqa: E402  (needs the app registry loaded above)

start_if_embedded()
