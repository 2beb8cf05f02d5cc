"""Argon2id password hashing (pwdlib), run in worker threads: a hash costs tens of
milliseconds of CPU and must not stall the event loop."""

import asyncio
import secrets

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
        # Checked against when there is no user, so an unknown email costs a real check.
        self._dummy_hash = self._hash.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        if password_hash is None:
            await asyncio.to_thread(self._hash.verify, password, self._dummy_hash)
            return False, None
        return await asyncio.to_thread(self._hash.verify_and_update, password, password_hash)
