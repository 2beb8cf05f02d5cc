"""Argon2id password hashing (pwdlib), run in worker threads: a hash costs tens of
milliseconds of CPU and must not stall the event loop."""

import asyncio
import secrets
from functools import cached_property

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class Argon2PasswordHasher:
    def __init__(
        self, *, time_cost: int = 2, memory_cost: int = 19_456, parallelism: int = 1
    ) -> None:
        # Defaults: OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane).
        self._hash = PasswordHash(
            (Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism),)
        )

    @cached_property
    def _dummy_hash(self) -> str:
        """Checked against when there is no user, so an unknown email costs a real check.
        Made on first need, in a worker thread: a process that never signs anyone in (an
        admin command) does not pay for it."""
        return self._hash.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        if password_hash is None:
            await asyncio.to_thread(self._verify_nobody, password)
            return False, None
        return await asyncio.to_thread(self._hash.verify_and_update, password, password_hash)

    def _verify_nobody(self, password: str) -> None:
        self._hash.verify(password, self._dummy_hash)
