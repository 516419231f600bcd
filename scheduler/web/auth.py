"""Who is asking: the browser session (an HttpOnly, SameSite cookie holding a random token whose
SHA-256 names the stored session) or a machine client's bearer token; CSRF on every form (the
session's synchronizer token in a hidden field; the sign-in form a double-submit cookie)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from scheduler.app import accounts
from scheduler.core.access import Account

COOKIE = "dispatch_session"
LOGIN_COOKIE = "dispatch_login_csrf"
MAX_FORM_FIELDS = 5_000
MAX_FIELD_BYTES = 64 * 1024


class SignInRequired(Exception):
    """No valid session: HTML pages redirect to the sign-in page, the API answers 401."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The account behind a request, the CSRF token of its session (None for a bearer token) and
    its address (for throttling and the audit log)."""

    account: Account
    csrf: str | None
    address: str
    token: str | None = None


def address_of(request: Request) -> str:
    """The client's address as the server sees it."""
    return request.client.host if request.client is not None else ""


def caller(request: Request) -> Caller:
    """The signed-in caller of any route but the sign-in page (SignInRequired otherwise)."""
    engine = request.app.state.engine
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        account = accounts.token_account(engine, auth[7:].strip())
        if account is None or account.portfolio != request.app.state.config.portfolio:
            raise HTTPException(401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"})
        return Caller(account, None, address_of(request))
    token = request.cookies.get(COOKIE)
    session = accounts.session_of(engine, token) if token else None
    if session is None or session.account.portfolio != request.app.state.config.portfolio:
        raise SignInRequired()
    return Caller(session.account, session.csrf, address_of(request), token)


@dataclass(frozen=True, slots=True)
class Writer:
    """A caller whose form passed the CSRF check, with the form."""

    caller: Caller
    form: FormData

    @property
    def account(self) -> Account:
        """The account behind the change."""
        return self.caller.account

    def get(self, name: str, default: str = "") -> str:
        """A text field of the form, stripped."""
        v = self.form.get(name)
        return v.strip() if isinstance(v, str) else default


async def writer(request: Request) -> AsyncIterator[Writer]:
    """Every state-changing form: a signed-in caller whose session's CSRF token the form carries
    (403 otherwise; bearer-token clients carry no cookie and need none). Uploaded files are closed
    after the route."""
    from starlette.concurrency import run_in_threadpool

    c = await run_in_threadpool(caller, request)
    form = await request.form(max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES)
    try:
        if c.csrf is not None:
            sent = form.get("csrf")
            if not isinstance(sent, str) or not hmac.compare_digest(sent, c.csrf):
                raise HTTPException(403, "CSRF token missing or wrong: reload the page and submit again")
        yield Writer(c, form)
    finally:
        await form.close()


def login_csrf(request: Request) -> str:
    """The sign-in form's double-submit token: the cookie's, or a new one."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)


def check_login_csrf(request: Request, form: Any) -> None:
    """The sign-in form must echo its cookie's token (a page of another site cannot read it)."""
    cookie = request.cookies.get(LOGIN_COOKIE) or ""
    sent = form.get("csrf")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, cookie):
        raise HTTPException(403, "CSRF token missing or wrong: reload the sign-in page")
