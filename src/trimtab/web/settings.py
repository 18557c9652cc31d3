"""The web app's settings, read from the environment when the app is served.

TRIMTAB_WEB_SECURE_COOKIES   mark cookies Secure: `true` behind TLS; unset: Secure when the
                             request came over https (directly or, from a trusted proxy,
                             per X-Forwarded-Proto)
TRIMTAB_WEB_TRUSTED_PROXIES  comma-separated addresses whose X-Forwarded-For/-Proto are
                             believed (default: 127.0.0.1)
TRIMTAB_WEB_SESSION_HOURS    a session ends this long after sign-in (default 12)
TRIMTAB_WEB_IDLE_MINUTES     ... or after this long without a request (default 120)
TRIMTAB_WEB_LOCK_AFTER       consecutive failed sign-ins that lock a user (default 5)
TRIMTAB_WEB_LOCK_MINUTES     how long the lock lasts (default 15)
TRIMTAB_WEB_ADDRESS_LIMIT    failed sign-ins from one address within the lock window
                             before that address is refused (default 20)
TRIMTAB_WEB_WARM             read the model book when a worker starts, before its first
                             request (default true; `false` starts at once)
"""

from __future__ import annotations

import datetime as dt

from pydantic_settings import BaseSettings, SettingsConfigDict

from trimtab.services.sessions import SessionPolicy

__all__ = ["WebSettings"]


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIMTAB_WEB_", extra="ignore")

    secure_cookies: bool | None = None
    trusted_proxies: str = "127.0.0.1"
    session_hours: float = 12
    idle_minutes: float = 120
    lock_after: int = 5
    lock_minutes: float = 15
    address_limit: int = 20
    warm: bool = True

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            lifetime=dt.timedelta(hours=self.session_hours),
            idle=dt.timedelta(minutes=self.idle_minutes),
            lock_after=self.lock_after,
            lock_for=dt.timedelta(minutes=self.lock_minutes),
            address_limit=self.address_limit,
        )

    @property
    def proxies(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())
