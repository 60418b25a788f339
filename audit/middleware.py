from audit.trail import current_request


class TrailMiddleware:
    """Holds the request being served, so trail rows written by model signals know where the
    action came from (IP address, browser)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
