from django.core.management.base import BaseCommand

from alerts.push.keys import generate_pair


class Command(BaseCommand):
    help = (
        "Make a VAPID key pair for Web Push and print it as environment lines "
        "(VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY) for docker/.env. Keep the private key secret; "
        "changing the pair makes every device subscribe again."
    )

    def handle(self, *args, **options):
        public, private = generate_pair()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
