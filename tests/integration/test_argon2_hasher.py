import threading

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from adapters.security import passwords
from adapters.security.passwords import Argon2PasswordHasher

CHEAP = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(**CHEAP)


async def test_a_hash_is_argon2id_and_verifies_only_its_password(
    hasher: Argon2PasswordHasher,
) -> None:
    hashed = await hasher.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert await hasher.verify("correct horse", hashed) == (True, None)
    assert (await hasher.verify("wrong horse", hashed))[0] is False


async def test_no_hash_never_verifies(hasher: Argon2PasswordHasher) -> None:
    assert await hasher.verify("anything", None) == (False, None)


async def test_an_unknown_user_costs_a_real_check_made_on_first_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made, checked = [], []
    real_hash, real_verify = PasswordHash.hash, PasswordHash.verify

    def hash_(self: PasswordHash, secret: str) -> str:
        made.append(secret)
        return real_hash(self, secret)

    def verify(self: PasswordHash, secret: str, hashed: str) -> bool:
        checked.append(hashed)
        return real_verify(self, secret, hashed)

    monkeypatch.setattr(PasswordHash, "hash", hash_)
    monkeypatch.setattr(PasswordHash, "verify", verify)
    hasher = Argon2PasswordHasher(**CHEAP)
    assert not made  # an admin command, which signs nobody in, never pays for it
    assert await hasher.verify("anything", None) == (False, None)
    assert await hasher.verify("anything else", None) == (False, None)
    assert len(made) == 1 and len(checked) == 2 and checked[0].startswith("$argon2id$")


async def test_a_hash_made_with_weaker_parameters_is_upgraded(
    hasher: Argon2PasswordHasher,
) -> None:
    old = Argon2Hasher(time_cost=1, memory_cost=512, parallelism=1).hash("correct horse")
    matches, upgraded = await hasher.verify("correct horse", old)
    assert matches and upgraded is not None and upgraded != old
    assert await hasher.verify("correct horse", upgraded) == (True, None)


async def test_hashing_runs_off_the_event_loop_thread(
    hasher: Argon2PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []
    real_to_thread = passwords.asyncio.to_thread

    async def spy(func, /, *args):  # type: ignore[no-untyped-def]
        def record():  # type: ignore[no-untyped-def]
            threads.append(threading.get_ident())
            return func(*args)

        return await real_to_thread(record)

    monkeypatch.setattr(passwords.asyncio, "to_thread", spy)
    await hasher.hash("correct horse")
    assert threads and threading.get_ident() not in threads
