"""The app ``emporium serve`` runs tunes the garbage collector for a long-running
server once started; an app built for a test leaves the collector alone."""

import gc
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from entrypoints.api.app import create_app
from entrypoints.api.serving import GC_THRESHOLDS, app_from_environment
from entrypoints.settings import Settings
from tests.e2e.conftest import build_container


@pytest.fixture
def collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_only_the_served_app_tunes_the_collector(
    collector: None, sqlite_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "a-serving-key-that-is-long-enough-12345"
    default = gc.get_threshold()
    settings = Settings(database_url=sqlite_db, secret_key=SecretStr(key), _env_file=None)  # type: ignore[call-arg]
    built = create_app(build_container(settings))
    async with built.router.lifespan_context(built):
        assert gc.get_threshold() == default

    monkeypatch.setenv("EMPORIUM_DATABASE_URL", sqlite_db)
    monkeypatch.setenv("EMPORIUM_SECRET_KEY", key)
    served = app_from_environment()
    async with served.router.lifespan_context(served):
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
