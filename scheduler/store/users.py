"""Accounts, browser sessions, API tokens, failed sign-ins and the audit log of the web workplace
(tables in db.py). Takes and returns core values; hashing passwords is the caller's (app/accounts.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from scheduler.core.access import Account, Role
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.errors import AccountError, NotFound
from scheduler.store.db import api_tokens, audit_log, login_failures, users, utcnow, web_sessions


def _account(r: Any) -> Account:
    return Account(int(r.id), r.username, r.display_name, Role(r.role), r.unit, r.leader,
                   tuple(r.projects or ()), bool(r.disabled), r.portfolio)


def add_user(conn: Connection, username: str, password_hash: str, role: Role, *, display_name: str = "",
             unit: str | None = None, leader: str | None = None, projects: Sequence[str] = (),
             portfolio: str = DEFAULT_PORTFOLIO) -> Account:
    """A new account of `portfolio`; AccountError when the name is taken or a unit account names no unit."""
    if conn.scalar(select(users.c.id).where(users.c.username == username)) is not None:
        raise AccountError("user-exists", f"an account {username!r} already exists", params={"user": repr(username)})
    if role is Role.UNIT and not unit:
        raise AccountError("unit-required", "a unit account needs its unit (--unit)", params={"case": "account"})
    now = utcnow()
    res = conn.execute(insert(users).values(
        portfolio=portfolio, username=username, display_name=display_name or username, role=role.value, unit=unit,
        leader=leader, projects=list(projects), password_hash=password_hash, disabled=False, created_at=now,
        updated_at=now))
    pk = res.inserted_primary_key
    assert pk is not None
    return Account(int(pk[0]), username, display_name or username, role, unit, leader, tuple(projects),
                   portfolio=portfolio)


def get_user(conn: Connection, username: str) -> tuple[Account, str]:
    """An account and its password hash; NotFound when there is none."""
    r = conn.execute(select(users).where(users.c.username == username)).first()
    if r is None:
        raise NotFound("no-user", f"no account {username!r}", params={"user": repr(username)})
    return _account(r), str(r.password_hash)


def list_users(conn: Connection, portfolio: str = DEFAULT_PORTFOLIO) -> list[Account]:
    """Every account of the portfolio, by name."""
    return [_account(r) for r in conn.execute(select(users).where(users.c.portfolio == portfolio)
                                              .order_by(users.c.username))]


def set_password(conn: Connection, username: str, password_hash: str) -> None:
    """Replace an account's password hash and end its sessions."""
    a, _ = get_user(conn, username)
    conn.execute(update(users).where(users.c.id == a.id).values(password_hash=password_hash, updated_at=utcnow()))
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == a.id))


def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    """Disable (or enable) an account; disabling ends its sessions and revokes its tokens."""
    a, _ = get_user(conn, username)
    conn.execute(update(users).where(users.c.id == a.id).values(disabled=disabled, updated_at=utcnow()))
    if disabled:
        conn.execute(delete(web_sessions).where(web_sessions.c.user_id == a.id))
        conn.execute(update(api_tokens).where(api_tokens.c.user_id == a.id).values(revoked=True))


# -- sessions and tokens ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser: its account and CSRF token."""

    id: str
    account: Account
    csrf: str
    expires_at: dt.datetime


def add_session(conn: Connection, token_hash: str, user_id: int, csrf: str, expires_at: dt.datetime) -> None:
    """Store a session under the hash of its cookie token."""
    conn.execute(insert(web_sessions).values(id=token_hash, user_id=user_id, csrf=csrf, created_at=utcnow(),
                                             expires_at=expires_at))


def get_session(conn: Connection, token_hash: str, now: dt.datetime | None = None) -> Session | None:
    """The live session of that token hash with an enabled account, else None."""
    r = conn.execute(select(web_sessions.c.csrf, web_sessions.c.expires_at, users)
                     .join(users, users.c.id == web_sessions.c.user_id)
                     .where(web_sessions.c.id == token_hash)).first()
    if r is None or r.disabled or r.expires_at <= (now or utcnow()):
        return None
    return Session(token_hash, _account(r), r.csrf, r.expires_at)


def end_session(conn: Connection, token_hash: str) -> None:
    """Sign out: forget the session."""
    conn.execute(delete(web_sessions).where(web_sessions.c.id == token_hash))


def add_token(conn: Connection, token_hash: str, user_id: int, name: str) -> None:
    """Store an API token (its hash) acting as `user_id`."""
    conn.execute(insert(api_tokens).values(id=token_hash, user_id=user_id, name=name, created_at=utcnow(),
                                           revoked=False))


def token_account(conn: Connection, token_hash: str) -> Account | None:
    """The enabled account a live API token acts as, else None."""
    r = conn.execute(select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
                     .where(api_tokens.c.id == token_hash, api_tokens.c.revoked.is_(False))).first()
    if r is None or r.disabled:
        return None
    return _account(r)


# -- throttling and audit --------------------------------------------------------------------------


def record_failure(conn: Connection, username: str, address: str, at: dt.datetime | None = None) -> None:
    """Remember a failed sign-in."""
    conn.execute(insert(login_failures).values(username=username, address=address, at=at or utcnow()))


def failures_since(conn: Connection, since: dt.datetime, *, username: str | None = None,
                   address: str | None = None) -> int:
    """Failed sign-ins since `since`, for a name or for an address."""
    stmt = select(func.count()).select_from(login_failures).where(login_failures.c.at >= since)
    if username is not None:
        stmt = stmt.where(login_failures.c.username == username)
    if address is not None:
        stmt = stmt.where(login_failures.c.address == address)
    return int(conn.scalar(stmt) or 0)


def clear_failures(conn: Connection, username: str) -> None:
    """A successful sign-in forgets the name's failures."""
    conn.execute(delete(login_failures).where(login_failures.c.username == username))


def audit(conn: Connection, who: Account | str, action: str, target: str, detail: dict[str, Any] | None = None,
          address: str = "") -> None:
    """Write one line of the audit log inside the caller's transaction (with the change it records)."""
    name, role = (who.username, who.role.value) if isinstance(who, Account) else (who, "cli")
    conn.execute(insert(audit_log).values(at=utcnow(), username=name, role=role, action=action, target=target,
                                          detail=detail or {}, address=address))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log."""

    at: dt.datetime
    username: str
    role: str
    action: str
    target: str
    detail: dict[str, Any]
    address: str


def audit_entries(conn: Connection, limit: int = 200) -> list[AuditEntry]:
    """The latest audit lines, newest first."""
    return [AuditEntry(r.at, r.username, r.role, r.action, r.target, dict(r.detail or {}), r.address)
            for r in conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))]
