"""What each error page says. Plain words, a way forward, and nothing from sgID verbatim."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str
    retry_login: bool = True


class StoreUnavailable(Exception):
    """The session store did not answer in time; pages that need the session answer 503."""


# The session store is down: nobody can be told apart, so nobody is treated as logged in.
STORE_UNAVAILABLE = ErrorPage(
    503,
    "We cannot open your session right now",
    "Part of our service is briefly unavailable. Please try again in a minute.",
    retry_login=False,
)
# Retry-After on that page: a store outage is usually short; clients need not hammer it.
STORE_RETRY_AFTER = "30"


CALLBACK_ERRORS = {
    "invalid": ErrorPage(400, "That login link is not valid", "Please start the login again."),
    "expired": ErrorPage(
        400,
        "Your login has expired",
        "The login took too long, was already used, or was started in another browser. "
        "Please log in again.",
    ),
    "denied": ErrorPage(
        403,
        "You did not log in",
        "You chose not to share your information, so you are not logged in.",
    ),
    "failed": ErrorPage(
        400,
        "Singpass did not log you in",
        "Singpass could not complete the login. Please try again.",
    ),
    "refused": ErrorPage(
        502,
        "We could not confirm your login",
        "Singpass answered in a way we could not verify. Please try again in a moment.",
    ),
    "unavailable": ErrorPage(
        503,
        "Singpass is not responding",
        "We could not reach the login service in time. Please try again in a few minutes.",
    ),
    # Only the cookie store: its whole session lives in one cookie, which browsers cap at 4 kB.
    "too_large": ErrorPage(
        500,
        "Your information is too large for this app",
        "Singpass confirmed who you are, but the information you agreed to share is too large "
        "for this app to keep in its session cookie (browsers keep about 4 kB per cookie), so "
        "you are not logged in. Trying again will not help. The app's team can fix this by "
        "keeping sessions in a database or Redis, which have no such limit.",
        retry_login=False,
    ),
    # accounts/access.py said no: Singpass did its part, this app is not for this person.
    "forbidden": ErrorPage(
        403,
        "This app is not open to you",
        "Singpass confirmed who you are, but this app is only for the people it was set up "
        "for, so you are not logged in. If you think you should have access, please contact "
        "the team that runs it.",
        retry_login=False,
    ),
    "csrf": ErrorPage(
        400,
        "Your session has expired",
        "The page you used was out of date. Please go back to the home page and try again.",
        retry_login=False,
    ),
}

_HTTP_ERRORS = {
    400: ErrorPage(400, "Bad request", "The request could not be understood.", retry_login=False),
    403: ErrorPage(403, "Not allowed", "You cannot open this page.", retry_login=False),
    404: ErrorPage(404, "Page not found", "There is no page at this address.", retry_login=False),
    405: ErrorPage(405, "Not allowed", "This page cannot be used that way.", retry_login=False),
    413: ErrorPage(413, "Too large", "The request was too large.", retry_login=False),
    503: ErrorPage(
        503, "Temporarily unavailable", "Please try again in a few minutes.", retry_login=False
    ),
}


def http_error_page(status: int) -> ErrorPage:
    if status in _HTTP_ERRORS:
        return _HTTP_ERRORS[status]
    if 400 <= status < 500:
        return ErrorPage(
            status, "Request refused", "The request could not be completed.", retry_login=False
        )
    return ErrorPage(
        500, "Something went wrong", "Please try again in a few minutes.", retry_login=False
    )
