"""The newsmon error hierarchy.

Modelled on httpx's exception module: a small tree whose branches tell the caller what to do.

    NewsmonError
    ├── ConfigError            bad settings or feed list: fix the configuration
    ├── DatabaseError          the warehouse is unreachable or refused: the run fails (systemic)
    ├── WorkerError            the extraction worker processes died: the run fails (systemic)
    └── FetchError             one feed or page could not be used: record it, go on
        ├── TemporaryError     may work later: retried with back-off
        │   ├── NetworkError       connection refused/reset, DNS, TLS
        │   ├── TimeoutError_      connect/read/total deadline hit
        │   └── ServerError        HTTP 5xx, 429 (``retry_after`` set when the server said)
        └── PermanentError     will not work by retrying soon
            ├── ClientError        HTTP 4xx other than 429
            ├── TooLarge           body over the size cap (also after decompression)
            ├── TooManyRedirects   redirect chain too long, or a loop
            ├── NotHTML            an article link that is not a web page (skipped)
            ├── ParseError         a feed with no readable entries / a page with no text
            └── BlockedAddress     address refused (scheme or private network)
"""

from __future__ import annotations


class NewsmonError(Exception):
    """Base of every error newsmon raises on purpose."""


class ConfigError(NewsmonError):
    """The configuration (settings, feed list) is invalid."""


class DatabaseError(NewsmonError):
    """The database could not be reached or set up."""


class WorkerError(NewsmonError):
    """The worker processes died (killed, out of memory); their work is claimed again later."""


class FetchError(NewsmonError):
    """A single feed or page failed; the run goes on and the failure is recorded."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TemporaryError(FetchError):
    """Worth retrying later."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class NetworkError(TemporaryError):
    """Connection-level failure."""


class TimeoutError_(TemporaryError):  # noqa: N801 - avoid shadowing the builtin
    """A connect, read or total deadline was hit."""


class ServerError(TemporaryError):
    """HTTP 5xx or 429."""


class PermanentError(FetchError):
    """Retrying soon will not help."""


class ClientError(PermanentError):
    """HTTP 4xx (other than 429)."""


class TooLarge(PermanentError):
    """The body exceeded the size cap."""


class TooManyRedirects(PermanentError):
    """Redirect chain too long or looping."""


class NotHTML(PermanentError):
    """The article link does not point at an HTML page."""


class ParseError(PermanentError):
    """Nothing usable could be parsed out of the document."""


class BlockedAddress(PermanentError):
    """The address is not allowed (scheme, or a private network without opt-in)."""
