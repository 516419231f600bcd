"""Accounts of the web workplace: create, change password, disable (the `dispatch user` commands
and the office's account page), sign in with throttling, browser sessions and API tokens. Passwords
are hashed with argon2 (argon2-cffi); tokens are random and only their SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine

from scheduler.core.access import Account, Role
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.errors import AccountError, NotFound, shown
from scheduler.store import users as store
from scheduler.store.db import reading, transaction, utcnow

HASHER = PasswordHasher()
MIN_PASSWORD = 8
SESSION_HOURS = 12
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20
_DUMMY = HASHER.hash("not a password of anyone")


def token_hash(token: str) -> str:
    """What is stored of a cookie or API token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("weak-password", f"a password needs at least {MIN_PASSWORD} characters",
                           params={"min": MIN_PASSWORD})


def add_user(engine: Engine, username: str, password: str, role: Role | str, *, by: Account | str = "setup",
             display_name: str = "", unit: str | None = None, leader: str | None = None,
             projects: Sequence[str] = (), address: str = "", portfolio: str = DEFAULT_PORTFOLIO) -> Account:
    """Create an account (audited); AccountError for a taken name, a weak password or a unit account
    without its unit."""
    username = username.strip()
    if not username:
        raise AccountError("bad-username", "an account needs a name")
    try:
        r = Role(role)
    except ValueError:
        raise AccountError("bad-role", f"role {role!r} is not one of office, unit, leader, viewer",
                           params={"value": shown(role)}) from None
    _check_password(password)
    with transaction(engine) as conn:
        a = store.add_user(conn, username, HASHER.hash(password), r, display_name=display_name, unit=unit,
                           leader=leader, projects=projects, portfolio=portfolio)
        store.audit(conn, by, "user.add", username, {"role": r.value, "unit": unit, "leader": leader,
                                                      "projects": list(projects), "portfolio": portfolio}, address)
    return a


def set_password(engine: Engine, username: str, password: str, *, by: Account | str = "cli",
                 address: str = "") -> None:
    """Change an account's password (audited; its sessions end)."""
    _check_password(password)
    with transaction(engine) as conn:
        store.set_password(conn, username, HASHER.hash(password))
        store.audit(conn, by, "user.passwd", username, {}, address)


def set_disabled(engine: Engine, username: str, disabled: bool = True, *, by: Account | str = "cli",
                 address: str = "") -> None:
    """Disable or enable an account (audited)."""
    with transaction(engine) as conn:
        store.set_disabled(conn, username, disabled)
        store.audit(conn, by, "user.disable" if disabled else "user.enable", username, {}, address)


class Throttled(AccountError):
    """Too many failed sign-ins for this name or address: wait."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new browser session: the cookie token (shown once) and its CSRF token."""

    token: str
    csrf: str
    account: Account
    expires_at: dt.datetime


def sign_in(engine: Engine, username: str, password: str, address: str = "",
            now: dt.datetime | None = None, portfolio: str | None = None) -> SignedIn:
    """Check a name and password and open a session. Throttled (nothing checked) after
    MAX_FAILURES_PER_NAME failures of the name or MAX_FAILURES_PER_ADDRESS of the address within
    THROTTLE_WINDOW; AccountError("bad-login") for a wrong name or password or a disabled account
    (the same message, and the same argon2 work, for all three), or an account of another
    `portfolio` than the workplace's."""
    now = now or utcnow()
    since = now - THROTTLE_WINDOW
    with reading(engine) as conn:
        if (store.failures_since(conn, since, username=username) >= MAX_FAILURES_PER_NAME
                or store.failures_since(conn, since, address=address) >= MAX_FAILURES_PER_ADDRESS):
            raise Throttled("throttled", "too many failed sign-ins: try again in 15 minutes")
        try:
            account, hashed = store.get_user(conn, username)
        except NotFound:
            account, hashed = None, _DUMMY
    ok = False
    try:
        ok = HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if (not ok or account is None or account.disabled
            or (portfolio is not None and account.portfolio != portfolio)):
        with transaction(engine) as conn:
            store.record_failure(conn, username, address, now)
        raise AccountError("bad-login", "wrong name or password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=SESSION_HOURS)
    with transaction(engine) as conn:
        store.clear_failures(conn, username)
        store.add_session(conn, token_hash(token), account.id, csrf, expires)
        store.audit(conn, account, "login", username, {}, address)
    return SignedIn(token, csrf, account, expires)


def session_of(engine: Engine, token: str) -> store.Session | None:
    """The live session of a cookie token, else None."""
    with reading(engine) as conn:
        return store.get_session(conn, token_hash(token))


def sign_out(engine: Engine, token: str) -> None:
    """End the session of a cookie token."""
    with transaction(engine) as conn:
        store.end_session(conn, token_hash(token))


def new_token(engine: Engine, username: str, name: str, *, by: Account | str = "cli") -> str:
    """A new API token acting as `username` (shown once; only its hash is stored)."""
    token = "dsp_" + secrets.token_urlsafe(32)
    with transaction(engine) as conn:
        a, _ = store.get_user(conn, username)
        store.add_token(conn, token_hash(token), a.id, name)
        store.audit(conn, by, "token.add", username, {"name": name})
    return token


def token_account(engine: Engine, token: str) -> Account | None:
    """The account an API token acts as, else None."""
    with reading(engine) as conn:
        return store.token_account(conn, token_hash(token))
