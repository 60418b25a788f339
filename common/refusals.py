"""What the services answer when an action cannot be done, for pages and the API alike."""


class Refused(Exception):
    """The action cannot be done: `status` is the HTTP answer (400, 403, 404, 409); `field`
    names the form field the message belongs to, when there is one."""

    def __init__(self, status, message, field=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
