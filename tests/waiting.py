"""Waiting in tests: on a condition, never for a fixed time."""

import time

import pytest


def wait_for(condition, timeout=20, interval=0.1, message="condition"):
    """Poll `condition()` until it returns something true; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)
