"""The project's settings, with a URLconf that adds the reference routes under /bench/."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "reference_board.urls"
