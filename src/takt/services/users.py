"""Users, roles, API tokens and web sessions.

Passwords are hashed with scrypt (RFC 7914; ``hashlib.scrypt``, n = 2¹⁴, r = 8, p = 1, a
16-byte random salt), a memory-hard password hash, and compared in constant time. API
tokens and session ids are 32 random bytes; only their SHA-256 is stored, so a copy of
the database lets nobody in. Roles, from least to most: viewer (reads), planner (signals,
plan runs, simulations, risk), buyer (approves proposals, sends and cancels POs,
receives), admin (everything, users). A supplier account sees only its own supplier's
data, through the portal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select

from takt.errors import InvalidInputError, NotFoundError
from takt.store.db import transaction
from takt.store.models import ApiTokenRow, SupplierRow, UserRow, WebSessionRow

ROLES = ("viewer", "planner", "buyer", "admin", "supplier")
# Internal roles in increasing power; "supplier" stands apart (scoped to its own data).
RANK = {"viewer": 0, "planner": 1, "buyer": 2, "admin": 3}
_N, _R, _P = 2**14, 8, 1
SESSION_HOURS = 12


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    supplier_id: int | None
    supplier: str | None

    def can(self, role: str) -> bool:
        """Whether this user has at least ``role`` (suppliers have no internal role)."""
        return self.role != "supplier" and RANK[self.role] >= RANK[role]


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(got.hex(), digest)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: UserRow, supplier: str | None) -> User:
    return User(row.id, row.username, row.role, row.supplier_id, supplier)


def add_user(
    engine: Engine, username: str, password: str, *, role: str, supplier: str | None = None
) -> User:
    """Create a user; a ``supplier`` user names its supplier code."""
    if role not in ROLES:
        raise InvalidInputError(f"role must be one of {', '.join(ROLES)} (got {role!r})")
    if (role == "supplier") != (supplier is not None):
        raise InvalidInputError("a supplier user needs --supplier, and only a supplier user")
    if len(password) < 8:
        raise InvalidInputError("the password must have at least 8 characters")
    if not username.strip():
        raise InvalidInputError("the username must not be empty")
    with transaction(engine) as session:
        if session.execute(select(UserRow.id).where(UserRow.username == username)).scalar():
            raise InvalidInputError(f"user {username!r} exists already")
        supplier_id = None
        if supplier is not None:
            supplier_id = session.execute(
                select(SupplierRow.id).where(SupplierRow.code == supplier)
            ).scalar()
            if supplier_id is None:
                raise NotFoundError(f"no supplier {supplier!r}")
        row = UserRow(
            username=username,
            password_hash=hash_password(password),
            role=role,
            supplier_id=supplier_id,
            active=True,
        )
        session.add(row)
        session.flush()
        return _user(row, supplier)


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The user when the password is right and the account active, else None."""
    with transaction(engine) as session:
        found = session.execute(
            select(UserRow, SupplierRow.code)
            .outerjoin(SupplierRow, SupplierRow.id == UserRow.supplier_id)
            .where(UserRow.username == username)
        ).first()
        if found is None:
            hash_password(password)  # the same work either way: no user enumeration by time
            return None
        row, code = found
        if not row.active or not verify_password(password, row.password_hash):
            return None
        return _user(row, code)


def create_token(engine: Engine, username: str, *, name: str, days: int | None = None) -> str:
    """A new API token for ``username``; returned once, stored hashed."""
    token = "takt_" + secrets.token_urlsafe(32)
    with transaction(engine) as session:
        user_id = session.execute(select(UserRow.id).where(UserRow.username == username)).scalar()
        if user_id is None:
            raise NotFoundError(f"no user {username!r}")
        session.add(
            ApiTokenRow(
                user_id=user_id,
                name=name,
                token_hash=_sha(token),
                expires_at=None if days is None else datetime.now(UTC) + timedelta(days=days),
                revoked=False,
            )
        )
    return token


# Tokens resolved in the last few seconds, by hash: the hot API paths (a signal every few
# milliseconds) skip the lookup; a revoked or expired token stops working within the TTL.
TOKEN_CACHE_SECONDS = 30.0
_token_cache: dict[tuple[int, str], tuple[float, User]] = {}


def user_for_token(engine: Engine, token: str) -> User | None:
    """The token's user, None for an unknown, revoked or expired token (cached briefly)."""
    key = (id(engine), _sha(token))
    hit = _token_cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
        return hit[1]
    user = _lookup_token(engine, key[1])
    if user is None:
        _token_cache.pop(key, None)
    else:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[key] = (now, user)
    return user


def _lookup_token(engine: Engine, token_hash: str) -> User | None:
    with transaction(engine) as session:
        found = session.execute(
            select(UserRow, SupplierRow.code, ApiTokenRow.expires_at)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .outerjoin(SupplierRow, SupplierRow.id == UserRow.supplier_id)
            .where(ApiTokenRow.token_hash == token_hash, ApiTokenRow.revoked.is_(False))
        ).first()
    if found is None:
        return None
    row, code, expires = found
    if not row.active or (expires is not None and _aware(expires) < datetime.now(UTC)):
        return None
    return _user(row, code)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start_session(engine: Engine, user: User) -> tuple[str, str]:
    """A new web session: (cookie value, CSRF token)."""
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with transaction(engine) as session:
        session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < datetime.now(UTC)))
        session.add(
            WebSessionRow(
                id_hash=_sha(sid),
                user_id=user.id,
                csrf_token=csrf,
                expires_at=datetime.now(UTC) + timedelta(hours=SESSION_HOURS),
            )
        )
    return sid, csrf


def session_user(engine: Engine, sid: str) -> tuple[User, str] | None:
    """The user and CSRF token of a live session."""
    with transaction(engine) as session:
        found = session.execute(
            select(UserRow, SupplierRow.code, WebSessionRow.csrf_token, WebSessionRow.expires_at)
            .join(WebSessionRow, WebSessionRow.user_id == UserRow.id)
            .outerjoin(SupplierRow, SupplierRow.id == UserRow.supplier_id)
            .where(WebSessionRow.id_hash == _sha(sid))
        ).first()
    if found is None:
        return None
    row, code, csrf, expires = found
    if not row.active or _aware(expires) < datetime.now(UTC):
        return None
    return _user(row, code), csrf


def end_session(engine: Engine, sid: str) -> None:
    with transaction(engine) as session:
        session.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == _sha(sid)))
