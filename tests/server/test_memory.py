"""The collector is off during start-up and back on once the server is up."""

from __future__ import annotations

import gc

from mindconverter.server.memory import freeze_startup_objects, pause_for_startup, paused_gc


def test_start_up_pause_ends_when_the_objects_are_frozen() -> None:
    try:
        pause_for_startup()
        assert not gc.isenabled()
        freeze_startup_objects()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_freezing_during_a_paused_block_enables_the_collector_after_it() -> None:
    try:
        pause_for_startup()
        with paused_gc():
            freeze_startup_objects()
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
