"""One rule for hiding passwords in connection strings that an error, a log line or an alert may carry."""

import re

# By hand: libpq quotes a malformed URI whole in its errors, and no library redacts conninfo inside free text.
# The three places a libpq connection string holds a password: the URI's user info, a `password` query
# parameter, and a `password=` keyword (bare or single-quoted, with libpq's backslash escapes).
_URI_USER_INFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/?#@\s\"']*:)[^\s\"'/]*(?=@)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^&#\s\"']*", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'\"&]+)", re.IGNORECASE)
MASK = "***"


def redact(text: str) -> str:
    """text with every connection-string password replaced by ***."""
    for pattern in (_URI_USER_INFO, _QUERY_PASSWORD, _KEYWORD_PASSWORD):
        text = pattern.sub(lambda match: match.group("head") + MASK, text)
    return text
