"""Which activity tests an activity passes, remembered per distinct detail value.

Most activity repeats a few values (a site's pages, its forms, its e-mails),
so the regexes run once per distinct value instead of once per activity. The
memo changes no result, only the time it takes; it is bounded by emptying it
when full, and values too long to be worth remembering are not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connector.lifecycle.conditions import ActivityTest

MEMO_LIMIT = 20_000
LONGEST_REMEMBERED = 256


@dataclass(frozen=True, slots=True)
class KindIndex:
    """The activity tests (by slot) that look at one activity kind.

    `fields` are the detail fields any of them reads; `slots` the slots of all
    of them, which is the answer when no test reads a field.
    """

    fields: tuple[str, ...]
    tests: tuple[tuple[int, ActivityTest], ...]
    slots: tuple[int, ...]
    memo: dict[object, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, tests: tuple[tuple[int, ActivityTest], ...]) -> KindIndex:
        fields = tuple(dict.fromkeys(name for _slot, test in tests for name, _ in test.fields))
        return cls(fields, tests, tuple(slot for slot, _test in tests))

    def passing(self, details: Mapping[str, str]) -> tuple[int, ...]:
        """The slots of the tests whose detail regexes all match (windows aside)."""
        fields = self.fields
        if not fields:
            return self.slots
        key = details.get(fields[0]) if len(fields) == 1 else tuple(map(details.get, fields))
        try:
            found = self.memo.get(key)
        except TypeError:
            return self._classify(details)
        if found is None:
            found = self._classify(details)
            if _short(key):
                if len(self.memo) >= MEMO_LIMIT:
                    self.memo.clear()
                self.memo[key] = found
        return found

    def _classify(self, details: Mapping[str, str]) -> tuple[int, ...]:
        return tuple(slot for slot, test in self.tests if test.matches(details))


def _short(key: object) -> bool:
    values = key if isinstance(key, tuple) else (key,)
    return all(value is None or len(str(value)) <= LONGEST_REMEMBERED for value in values)
