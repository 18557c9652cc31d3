"""Settings read from the environment, only at the entry points (CLI, web, batch).

TRIMTAB_DATABASE_URL   SQLAlchemy URL of the database (default: ./trimtab.db, SQLite)
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIMTAB_", extra="ignore")

    database_url: str = "sqlite:///trimtab.db"


def load_settings() -> Settings:
    return Settings()
