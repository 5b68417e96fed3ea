"""Reading a paged stream ahead of its consumer, in a thread.

A sync pass reads HubSpot under two rate budgets at once (searches and the
rest); each stream's calls go on in its own thread while the pass judges what
already arrived, so neither budget idles while the other is spent.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
PUT_POLL_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


_END = object()


class ReadAhead(Generic[T]):
    """Iterates `source` in a thread, at most `depth` items ahead of the caller.

    1. The thread takes items from `source` and queues them, waiting while
       `depth` are queued.
    2. The caller iterates the queue; an error the thread met is raised to the
       caller where the stream reached it.
    3. Leaving the `with` block (or `close()`) stops the thread after the item
       it is reading and closes `source`.
    """

    def __init__(self, source: Iterable[T], depth: int = 2, name: str = "read-ahead") -> None:
        self._items: queue.Queue = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(source,), name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _read(self, source: Iterable[T]) -> None:
        stream = iter(source)
        try:
            for item in stream:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as error:  # handed to the caller, raised there
            self._put(_Failed(error))
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()

    def _put(self, item: object) -> bool:
        """Queue `item` unless the caller has left; False once it has."""
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=PUT_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False
