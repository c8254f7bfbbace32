"""python -m <package>.manage make_staff [SUB] [--superuser] [--revoke]

Without SUB: the people who logged in, latest first, to find yours (log in, then run this).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

LISTED = 20


class Command(BaseCommand):
    help = (
        "Let the user with this sgID sub use the admin site (/admin/); without a sub, list users."
    )

    def add_arguments(self, parser):
        parser.add_argument("sub", nargs="?", help="the user's sgID sub")
        parser.add_argument("--superuser", action="store_true", help="every permission, too")
        parser.add_argument("--revoke", action="store_true", help="take staff status away")

    def handle(self, sub=None, superuser=False, revoke=False, **options):
        users = get_user_model().objects
        if sub is None:
            for user in users.order_by("-last_login")[:LISTED]:
                seen = f"{user.last_login:%Y-%m-%d %H:%M}" if user.last_login else "never"
                staff = " (superuser)" if user.is_superuser else " (staff)" if user.is_staff else ""
                self.stdout.write(f"{user.sub}  last login {seen}{staff}")
            return
        # Made now if they have not logged in yet; their first login finds it.
        user = users.filter(sub=sub).first() or users.create_user(sub)
        user.is_staff = not revoke
        user.is_superuser = superuser and not revoke
        user.save(update_fields=["is_staff", "is_superuser"])
        done = "no longer staff" if revoke else "a superuser" if superuser else "staff"
        self.stdout.write(f"{sub} is {done}")
