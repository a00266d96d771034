"""Helpers shared by the deadline, reminder and notification tests: a settable clock and
dates at a given local hour. Plain functions, no fixtures: each test module declares the
fixtures it needs from them."""

from datetime import date, datetime, time

from django.utils import timezone


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware datetime on `day` at the local (Europe/Paris) hour."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class Clock:
    """Replaces django.utils.timezone.now, which every service, auto_now field and the ledger
    read; `set(day, hour)` moves it."""

    def __init__(self) -> None:
        self.now: datetime | None = None
        self._real = timezone.now

    @classmethod
    def install(cls, monkeypatch) -> "Clock":
        clock = cls()
        monkeypatch.setattr(timezone, "now", clock)
        return clock

    def __call__(self) -> datetime:
        return self.now or self._real()

    def set(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        self.now = at(day, hour, minute)
        return self.now
