"""Record ids drawn without a random call per record keep `new_id`'s shape, order and uniqueness."""

from __future__ import annotations

import re

from bastion.audit.record import RecordIds, new_id


def test_same_shape_as_new_id() -> None:
    shape = re.compile(r"[0-9a-f]{32}")
    assert shape.fullmatch(new_id())
    assert shape.fullmatch(RecordIds()())


def test_unique_and_time_ordered_within_a_process() -> None:
    ids = RecordIds()
    drawn = [ids() for _ in range(20_000)]
    assert len(set(drawn)) == len(drawn)
    assert [d[:16] for d in drawn] == sorted(d[:16] for d in drawn)


def test_processes_draw_different_prefixes() -> None:
    prefixes = {RecordIds()()[16:24] for _ in range(50)}
    assert len(prefixes) > 45  # 32 random bits each
