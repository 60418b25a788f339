"""The portal's settings plus one unchecked file route, the baseline of bench/stream_gate.py."""

from jakcctv.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
