"""Shared fixtures of the bindings' tests."""

import signal

import pytest


@pytest.fixture
def sigint_raises():
    """Makes SIGINT raise KeyboardInterrupt for the test, whatever the process inherited.

    A process started in the background by a non-interactive shell (`cmd &`,
    `setsid nohup cmd &`, some CI runners) inherits SIGINT ignored, and then
    CPython installs no handler for it: `_thread.interrupt_main()` does nothing
    and Ctrl-C tests see no interrupt. That was the cause of the flaky Ctrl-C
    test (issue #17): it failed when ci.sh ran in the background.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
