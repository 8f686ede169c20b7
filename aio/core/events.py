"""The core's event bus: every state change is pushed to every subscriber, never polled."""

from __future__ import annotations

import asyncio
import contextlib


class Subscription:
    """One subscriber's bounded queue of events; one that falls too far behind is dropped."""

    def __init__(self, bus: EventBus, limit: int) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue(maxsize=limit)
        self.dropped = False

    def put(self, event: dict) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A subscriber this far behind must reconnect and take a fresh snapshot.
            self.dropped = True
            self._bus.unsubscribe(self)
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def get(self) -> dict | None:
        """The next event, or None when this subscription was dropped or closed."""
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class EventBus:
    """Fan-out of core events to subscribers (dashboards, `aio run --wait`, tests)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._subscribers: list[Subscription] = []
        self._limit = limit

    def subscribe(self) -> Subscription:
        sub = Subscription(self, self._limit)
        self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(sub)

    def publish(self, event: dict) -> None:
        for sub in list(self._subscribers):
            sub.put(event)

    def close(self) -> None:
        for sub in list(self._subscribers):
            self.unsubscribe(sub)
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)
