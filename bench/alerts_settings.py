"""The portal's settings, with the alerts benchmark's own channel-layer prefix (so that its
channels never meet a portal's or a test run's on the same Redis server)."""

from jakcctv.settings import *  # noqa: F403
from jakcctv.settings import CHANNEL_LAYERS

CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] += ".bench-alerts"
