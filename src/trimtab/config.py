"""Settings read from the environment, only at the entry points (CLI, web, batch).

TRIMTAB_DATABASE_URL   SQLAlchemy URL of the database (default: ./trimtab.db, SQLite)
TRIMTAB_FIX_SENDER_COMP_ID   SenderCompID (49) of exported FIX orders (default: TRIMTAB)
TRIMTAB_FIX_TARGET_COMP_ID   TargetCompID (56) of exported FIX orders (default: OMS)
TRIMTAB_FIRM_CONFIG    the firm's TOML file: the pipeline, the `[alerts]` channels (optional)
TRIMTAB_LOG_FORMAT     `text` (default) or `json`: one JSON object per log line
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIMTAB_", extra="ignore")

    database_url: str = "sqlite:///trimtab.db"
    # The firm's and its order management system's FIX identities, agreed between them
    # (tags 49 and 56 of every exported order).
    fix_sender_comp_id: str = "TRIMTAB"
    fix_target_comp_id: str = "OMS"
    firm_config: str | None = None  # the firm's TOML (pipeline stages, [alerts] channels)
    log_format: str = "text"  # text or json (trimtab.logs)


def load_settings() -> Settings:
    return Settings()
