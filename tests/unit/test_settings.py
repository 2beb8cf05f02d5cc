import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from entrypoints.settings import Settings, load_or_create_secret


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="EMPORIUM_SECRET_KEY must be set"):
        settings(env="production", secret_key_file=tmp_path / "key")
    assert not (tmp_path / "key").exists()


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_secret_key_under_32_bytes_is_refused(env: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        settings(env=env, secret_key=SecretStr("x" * 31))


def test_development_generates_a_key_once_and_keeps_it_private(tmp_path: Path) -> None:
    key_file = tmp_path / "nested" / "key"
    first = settings(secret_key_file=key_file).signing_key
    second = settings(secret_key_file=key_file).signing_key
    assert first == second and len(first) >= 32
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret(key_file), range(32)))
    assert len(keys) == 1 and os.listdir(tmp_path) == ["key"]


def test_cors_origins_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPORIUM_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("EMPORIUM_SECRET_KEY", "k" * 32)
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]  # type: ignore[call-arg]


def test_access_tokens_live_at_most_15_minutes() -> None:
    with pytest.raises(ValidationError):
        settings(secret_key=SecretStr("k" * 32), access_token_ttl=901)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "not a database URL"),
        ("mysql://root@localhost/shop", "the driver must be one of"),
        ("postgresql://root@localhost/shop", "the driver must be one of"),
    ],
)
def test_an_unusable_database_url_is_refused(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(database_url=url)


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert settings(trusted_proxies="10.0.0.0/8, 127.0.0.1").trusted_proxies == [
        "10.0.0.0/8",
        "127.0.0.1",
    ]
    with pytest.raises(ValidationError, match="not an address"):
        settings(trusted_proxies="proxy.local")


def test_the_example_env_file_names_every_setting_and_loads() -> None:
    example = Path(__file__).parents[2] / ".env.example"
    named = {
        line.lstrip("# ").split("=", 1)[0]
        for line in example.read_text().splitlines()
        if line.lstrip("# ").startswith("EMPORIUM_") and "=" in line
    }
    assert named == {f"EMPORIUM_{field.upper()}" for field in Settings.model_fields}
    Settings(_env_file=example)  # type: ignore[call-arg]


PRODUCTION = {"env": "production", "secret_key": SecretStr("k" * 32)}


def test_production_names_its_database_and_its_payment_gateway() -> None:
    with pytest.raises(ValidationError, match="EMPORIUM_DATABASE_URL must be set in production"):
        settings(**PRODUCTION, payment_gateway="fake")
    with pytest.raises(ValidationError, match="EMPORIUM_PAYMENT_GATEWAY must be set"):
        settings(**PRODUCTION, database_url="sqlite+aiosqlite:///./shop.db")
    chosen = settings(**PRODUCTION, database_url="sqlite+aiosqlite:///x.db", payment_gateway="fake")
    assert chosen.payment_gateway == "fake"
    assert settings().payment_gateway == "fake"  # development's default
    with pytest.raises(ValidationError):
        settings(payment_gateway="stripe")


def test_an_unknown_emporium_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPORIUM_DATABSE_URL", "postgresql+asyncpg://db/shop")
    with pytest.raises(ValidationError, match="unknown setting EMPORIUM_DATABSE_URL"):
        settings()
    monkeypatch.delenv("EMPORIUM_DATABSE_URL")
    monkeypatch.setenv("EMPORIUM_TEST_ANYTHING", "the test suite's own")
    settings()


@pytest.mark.parametrize("url", ["notredis", "http://127.0.0.1:6379", "redis://host:port/0"])
def test_a_redis_url_that_is_not_one_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="not a Redis URL"):
        settings(redis_url=url)


def test_redis_urls_of_every_kind_are_taken() -> None:
    for url in ("redis://127.0.0.1:6379/0", "rediss://:pw@cache:6380/1", "unix:///run/r.sock"):
        assert settings(redis_url=url).redis_url == url


def test_metrics_are_for_networks_or_an_unguessable_token() -> None:
    assert settings().metrics_allowed_networks == ["127.0.0.1/32", "::1/128"]
    assert settings(metrics_allowed_networks="10.0.0.0/8,*").metrics_allowed_networks == [
        "10.0.0.0/8",
        "*",
    ]
    with pytest.raises(ValidationError, match="not an address"):
        settings(metrics_allowed_networks="prometheus.local")
    with pytest.raises(ValidationError, match="at least 24 characters"):
        settings(metrics_token="short")


def test_logs_are_json_unless_told_otherwise() -> None:
    assert (settings().log_format, settings().log_level) == ("json", "INFO")
    with pytest.raises(ValidationError):
        settings(log_format="xml")
    with pytest.raises(ValidationError):
        settings(log_level="LOUD")
