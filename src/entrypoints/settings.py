"""Settings, from EMPORIUM_* environment variables (or a .env file)."""

import ipaddress
import os
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

MIN_SECRET_BYTES = 32
MIN_METRICS_TOKEN_LENGTH = 24
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./emporium.db"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
PREFIX = "EMPORIUM_"
# Variables of the test suite and the benchmark harness, not of the application.
FOREIGN_PREFIXES = ("EMPORIUM_TEST_", "EMPORIUM_BENCH_")
# The first admin's password, for `emporium users create-admin` in deployment scripts.
ADMIN_PASSWORD_VARIABLE = "EMPORIUM_ADMIN_PASSWORD"  # noqa: S105 - its name
REDIS_SCHEMES = ("redis", "rediss", "unix")


RateSetting = Annotated[str, Field(pattern=r"^(off|[1-9][0-9]{0,8}/[1-9][0-9]{0,6})$")]
RATE_LIMITED = ("register", "refresh", "catalog", "orders", "payments")


class Settings(BaseSettings):
    # An unknown EMPORIUM_* variable (a misspelt one) stops the process: see _no_strangers.
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    # Connections per engine per worker process (one engine writes, one reads: twice
    # this in all), kept open: requests beyond them wait their turn. Sized to what one
    # event loop keeps busy, not to the number of clients, so that several workers, the
    # CLI and migrations fit a default PostgreSQL (max_connections 100).
    database_pool_size: int = Field(5, ge=1, le=200)
    secret_key: SecretStr | None = None
    # Where development keeps its generated key, shared by workers and restarts.
    secret_key_file: Path = Path(".emporium-secret-key")
    store_currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    access_token_ttl: int = Field(900, ge=60, le=900, description="seconds")
    refresh_token_ttl: int = Field(14 * 86_400, ge=3_600, le=14 * 86_400, description="seconds")
    # A rotated refresh token coming back within this many seconds is a double submit
    # (refused, nothing else); later, a theft (every session of the account ends).
    # 0 is strict: any reuse ends them all.
    refresh_reuse_grace: int = Field(10, ge=0, le=300, description="seconds")
    jwt_issuer: str = "emporium"
    jwt_audience: str = "emporium-api"
    redis_url: str | None = None
    # Namespaces the keys, so environments can share one Redis.
    redis_prefix: str = "emporium:"
    # Failed sign-ins allowed per window: for one account from one client address; for
    # one account from all addresses together (guessing spread over many addresses);
    # from one client address, whatever the accounts.
    login_max_failures_per_email_and_client: int = Field(5, ge=1)
    login_max_failures_per_email: int = Field(100, ge=1)
    login_max_failures_per_client: int = Field(50, ge=1)
    login_failure_window: int = Field(300, ge=1, description="seconds")
    # A comma-separated list, e.g. "https://shop.example,https://admin.example".
    cors_origins: Annotated[list[str], NoDecode] = []
    # The proxies whose X-Forwarded-For / -Proto are believed (addresses or networks,
    # comma-separated; "*" for any). Empty: none, the peer's address is the client's.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # How long a pending order holds its stock, waiting for its payment.
    order_payment_timeout: int = Field(1800, ge=10, le=7 * 86_400, description="seconds")
    # Requests allowed per window, as "LIMIT/SECONDS" ("off": none counted): per client
    # address for registration, token refresh and anonymous catalog reads; per user for
    # placing and paying orders. Past one: 429 rate_limited with Retry-After.
    rate_limit_register: RateSetting = "20/3600"
    rate_limit_refresh: RateSetting = "60/60"
    rate_limit_catalog: RateSetting = "1200/60"
    rate_limit_orders: RateSetting = "30/60"
    rate_limit_payments: RateSetting = "30/60"
    # How many orders one customer may hold unpaid at once: with the timeout above, the
    # most stock one account can keep from other buyers without paying.
    order_max_pending: int = Field(3, ge=1, le=1_000_000)
    # Who takes the money. Only the built-in fake exists today (a real provider's
    # adapter plugs in behind the same port); production must name it on purpose.
    payment_gateway: Literal["fake"] | None = None
    # How often `emporium serve` expires unpaid orders, retries refunds and forgets old
    # idempotency keys (every worker does; they never take the same rows). 0: never.
    order_sweep_interval: float = Field(30, ge=0, le=3600, description="seconds")
    # A product whose stock falls to this or below raises a stock.low event.
    low_stock_threshold: int = Field(5, ge=0, le=1_000_000)
    # Events: `emporium serve` relays and delivers them in-process unless this is off
    # (when separate `emporium worker` processes run, as in production).
    worker_in_process: bool = True
    # Seconds an idle worker waits before looking for new events again.
    worker_poll_interval: float = Field(0.5, gt=0, le=60, description="seconds")
    # RabbitMQ (amqp:// or amqps://): every event goes to the emporium.events exchange.
    broker_url: str | None = None
    # Emails: through this SMTP server; without one, they are written to the log.
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65_535)
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "Emporium <shop@localhost>"
    # Webhooks go to public addresses only; these networks (comma-separated) are allowed
    # besides, e.g. "10.0.0.0/8" for receivers on the shop's own network.
    webhook_allowed_networks: Annotated[list[str], NoDecode] = []
    # Multiplies every retry wait (1: the real schedule; tests shrink it).
    delivery_retry_scale: float = Field(1.0, gt=0, le=10)
    # How long a worker holds the deliveries it is sending: if it dies meanwhile, another
    # takes them over after this. Keep it longer than a send may take (10 s for a
    # webhook), or a slow send may be sent again meanwhile.
    delivery_lease: float = Field(60, ge=1, le=3600, description="seconds")
    # One line per request on the emporium.access logger (uvicorn's own is off).
    access_log: bool = False
    # Every log line a JSON object ("text": readable lines, for development).
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # GET /metrics answers callers from these networks (comma-separated), and any caller
    # with this bearer token.
    metrics_allowed_networks: Annotated[list[str], NoDecode] = ["127.0.0.1/32", "::1/128"]
    metrics_token: SecretStr | None = None
    # An OpenTelemetry collector's OTLP/HTTP address (e.g. http://collector:4318): spans
    # of requests, statements, webhooks and emails go there. Unset: no tracing.
    tracing_endpoint: str | None = None

    @field_validator(
        "cors_origins",
        "trusted_proxies",
        "webhook_allowed_networks",
        "metrics_allowed_networks",
        mode="before",
    )
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies", "webhook_allowed_networks", "metrics_allowed_networks")
    @classmethod
    def _addresses_or_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{item!r} is not an address or a network") from None
        return value

    @field_validator("metrics_token")
    @classmethod
    def _unguessable_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_METRICS_TOKEN_LENGTH:
            raise ValueError(f"at least {MIN_METRICS_TOKEN_LENGTH} characters")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            driver = make_url(value).drivername
        except ArgumentError:
            raise ValueError("not a database URL") from None
        if driver not in SUPPORTED_DRIVERS:
            raise ValueError(f"the driver must be one of {', '.join(SUPPORTED_DRIVERS)}")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from redis.connection import parse_url

        try:
            if urlsplit(value).scheme not in REDIS_SCHEMES:
                raise ValueError
            parse_url(value)  # type: ignore[no-untyped-call]
        except ValueError:
            schemes = ", ".join(f"{s}://" for s in REDIS_SCHEMES)
            raise ValueError(f"not a Redis URL (it starts {schemes})") from None
        return value

    @field_validator("tracing_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not (
            urlsplit(value).scheme in ("http", "https") and urlsplit(value).netloc
        ):
            raise ValueError("not an OTLP/HTTP address (it starts http:// or https://)")
        return value

    @field_validator("broker_url")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("amqp", "amqps"):
            raise ValueError("not a RabbitMQ URL (it starts amqp:// or amqps://)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _no_strangers(cls, values: Any) -> Any:
        """A variable the application does not know is most likely a misspelt one that
        would otherwise be silently ignored."""
        known = {PREFIX + name.upper() for name in cls.model_fields} | {ADMIN_PASSWORD_VARIABLE}
        strangers = sorted(
            name
            for name in os.environ
            if name.upper().startswith(PREFIX)
            and name.upper() not in known
            and not name.upper().startswith(FOREIGN_PREFIXES)
        )
        if strangers:
            raise ValueError(f"unknown setting {', '.join(strangers)}")
        return values

    @model_validator(mode="after")
    def _require_secret_key(self) -> "Settings":
        if self.secret_key is None:
            if self.env == "production":
                raise ValueError("EMPORIUM_SECRET_KEY must be set in production")
            self.secret_key = SecretStr(load_or_create_secret(self.secret_key_file))
        if len(self.secret_key.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"EMPORIUM_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes")
        return self

    @model_validator(mode="after")
    def _production_names_its_dependencies(self) -> "Settings":
        if self.env == "production":
            if "database_url" not in self.model_fields_set:
                raise ValueError("EMPORIUM_DATABASE_URL must be set in production")
            if self.payment_gateway is None:
                raise ValueError(
                    "EMPORIUM_PAYMENT_GATEWAY must be set in production ('fake' is the only "
                    "gateway today: name it to take no real money on purpose)"
                )
        elif self.payment_gateway is None:
            self.payment_gateway = "fake"
        return self

    def quota(self, name: str) -> tuple[int, int] | None:
        """The limit and window (seconds) of requests of kind ``name``; None when off."""
        value: str = getattr(self, f"rate_limit_{name}")
        if value == "off":
            return None
        limit, window = value.split("/")
        return int(limit), int(window)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def signing_key(self) -> str:
        assert self.secret_key is not None  # set by the validator
        return self.secret_key.get_secret_value()


def load_or_create_secret(path: Path) -> str:
    """Reads the development key, creating it first if need be. Creation is atomic
    (written aside, then hard-linked into place), so processes starting together all
    end up with the one key that won."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, draft = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.")  # mode 0600
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_urlsafe(48))
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()
