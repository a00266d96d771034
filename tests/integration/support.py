"""Helpers shared by the deadline, reminder and notification tests: a settable clock and
dates at a given local hour. Plain functions, no fixtures: each test module declares the
fixtures it needs from them."""

from datetime import date, datetime, time

from django.utils import timezone


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware datetime on `day` at the local (Europe/Paris) hour."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class Clock:
    """Stops the clock (time-machine: `timezone.now`, `date.today`, `time.time`, which every
    service, auto_now field and the ledger read) at the moment `set(day, hour)` names. Built on
    time-machine's `time_machine` fixture, which puts the clock back after the test."""

    def __init__(self, time_machine) -> None:
        self._now: datetime | None = None
        self._time_machine = time_machine

    @property
    def now(self) -> datetime | None:
        """The moment the clock stands at (None until set: the real time runs)."""
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        self._now = moment
        self._time_machine.move_to(moment, tick=False)

    def set(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        self.now = at(day, hour, minute)
        return self.now
