"""Web Push: alerts reach a person's phone or desktop with the portal closed.

- `models.py`: the person's devices (push subscriptions) and the queue of deliveries.
- `rules.py`: which alerts are pushed to whom (scope through the door, threshold per device).
- `services.py`: subscribing and removing devices; the worker's rounds (fan-out, sending with
  retries and back-off, removing subscriptions the push service says are gone).
- `keys.py`: the VAPID keys from the environment.
- `api.py`, `views.py`: `/api/v1/push/...` and the devices page `/akun/notifikasi/`.
The browser side: `jakcctv/static/js/push.js` and the service worker (`alerts/sw.js`).
"""
