"""Settings of the web nodes the several-nodes test starts as gunicorn processes: production's
own (from the environment, as a platform sets it), with no quiet hours for reminders (a test
cannot choose the hour it runs at)."""

from config.settings.production import *  # noqa: F403

REMINDER_WORKING_HOURS = None
