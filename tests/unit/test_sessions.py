import asyncio

import pytest

from application.users.commands import Authorize, Refresh, SignIn, SignOut
from application.users.errors import InvalidCredentials, InvalidToken
from domain.shared.errors import RateLimited
from tests.factories import PASSWORD, UserFactory
from tests.unit.conftest import Accounts

CLIENT = "203.0.113.9"


async def test_signing_in_gives_an_access_token_for_the_user(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(f" {user.email.value.upper()} ", PASSWORD, CLIENT))
    assert pair.expires_in == 900
    assert (await accounts.authorize(Authorize(pair.access_token))).id == user.id


@pytest.mark.parametrize(
    ("email", "password"),
    [("user-x@example.com", PASSWORD), (None, "wrong password"), ("not an email", PASSWORD)],
)
async def test_unknown_email_and_wrong_password_are_refused_alike(
    accounts: Accounts, email: str | None, password: str
) -> None:
    user = UserFactory()
    await accounts.add(user)
    with pytest.raises(InvalidCredentials) as refused:
        await accounts.sign_in(SignIn(email or user.email.value, password, CLIENT))
    assert refused.value.detail == "Wrong email or password"


async def test_a_deactivated_user_cannot_sign_in(accounts: Accounts) -> None:
    user = UserFactory(is_active=False)
    await accounts.add(user)
    with pytest.raises(InvalidCredentials):
        await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))


async def test_five_failures_from_one_address_block_that_address_not_the_owner(
    accounts: Accounts,
) -> None:
    user = UserFactory()
    await accounts.add(user)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await accounts.sign_in(SignIn(user.email.value, "wrong password", CLIENT))
    accounts.clock.advance(60)

    with pytest.raises(RateLimited) as limited:
        await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    assert limited.value.retry_after == 240
    assert await accounts.sign_in(SignIn(user.email.value, PASSWORD, "198.51.100.1"))

    accounts.clock.advance(240)
    assert await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))


async def test_a_successful_sign_in_forgets_the_email_failures(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            await accounts.sign_in(SignIn(user.email.value, "wrong password", CLIENT))
    await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    with pytest.raises(InvalidCredentials):
        await accounts.sign_in(SignIn(user.email.value, "wrong password", CLIENT))
    await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))


async def test_an_outdated_hash_is_upgraded_at_sign_in(accounts: Accounts) -> None:
    user = UserFactory(password_hash=f"old${PASSWORD}")
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    stored = await accounts.stored(user)
    assert stored.password_hash == f"fake${PASSWORD}"
    assert (await accounts.authorize(Authorize(pair.access_token))).id == user.id


async def test_refreshing_rotates_the_refresh_token(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    first = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    second = await accounts.refresh(Refresh(first.refresh_token))
    assert second.refresh_token != first.refresh_token
    assert (await accounts.authorize(Authorize(second.access_token))).id == user.id


async def test_a_rotated_token_reused_after_the_grace_revokes_every_session(
    accounts: Accounts,
) -> None:
    user = UserFactory()
    await accounts.add(user)
    other_device = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    stolen = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    rotated = await accounts.refresh(Refresh(stolen.refresh_token))
    accounts.clock.advance(10)

    with pytest.raises(InvalidToken, match="every session"):
        await accounts.refresh(Refresh(stolen.refresh_token))

    for token in (rotated.refresh_token, other_device.refresh_token):
        with pytest.raises(InvalidToken):
            await accounts.refresh(Refresh(token))


async def test_a_rotated_token_sent_again_within_the_grace_is_only_refused(
    accounts: Accounts,
) -> None:
    user = UserFactory()
    await accounts.add(user)
    first = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    rotated = await accounts.refresh(Refresh(first.refresh_token))
    accounts.clock.advance(9)

    with pytest.raises(InvalidToken, match="revoked"):
        await accounts.refresh(Refresh(first.refresh_token))
    assert await accounts.refresh(Refresh(rotated.refresh_token))


async def test_with_no_grace_any_reuse_revokes_every_session() -> None:
    accounts = Accounts(refresh_reuse_grace=0)
    user = UserFactory()
    await accounts.add(user)
    first = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    rotated = await accounts.refresh(Refresh(first.refresh_token))

    with pytest.raises(InvalidToken, match="every session"):
        await accounts.refresh(Refresh(first.refresh_token))
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh(rotated.refresh_token))


async def test_a_double_submit_gives_one_pair_and_keeps_the_sessions(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))

    results = await asyncio.gather(
        accounts.refresh(Refresh(pair.refresh_token)),
        accounts.refresh(Refresh(pair.refresh_token)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert await accounts.refresh(Refresh(winners[0].refresh_token))


async def test_a_token_reused_after_logout_is_only_refused(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    kept = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    gone = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    await accounts.sign_out(SignOut(gone.refresh_token))
    accounts.clock.advance(600)

    with pytest.raises(InvalidToken, match="revoked"):
        await accounts.refresh(Refresh(gone.refresh_token))
    assert await accounts.refresh(Refresh(kept.refresh_token))


async def test_an_expired_refresh_token_is_refused(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    accounts.clock.advance(3600)
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh(pair.refresh_token))


async def test_an_unknown_refresh_token_is_refused(accounts: Accounts) -> None:
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh("made-up"))


async def test_logging_out_revokes_the_refresh_token_and_is_idempotent(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    await accounts.sign_out(SignOut(pair.refresh_token))
    await accounts.sign_out(SignOut(pair.refresh_token))
    await accounts.sign_out(SignOut("never-issued"))
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh(pair.refresh_token))


async def test_a_refresh_token_of_a_deactivated_user_is_refused(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    async with accounts.uow() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.is_active = False
        await uow.users.save(stored)
        await uow.commit()
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh(pair.refresh_token))


async def test_an_access_token_of_a_deleted_user_is_refused(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    accounts.store["users"].clear()
    with pytest.raises(InvalidToken):
        await accounts.authorize(Authorize(pair.access_token))


async def test_an_unknown_email_costs_a_password_check_like_a_known_one(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str | None] = []
    real_verify = accounts.hasher.verify

    async def counting_verify(password: str, password_hash: str | None) -> tuple[bool, str | None]:
        checked.append(password_hash)
        return await real_verify(password, password_hash)

    monkeypatch.setattr(accounts.hasher, "verify", counting_verify)
    user = UserFactory()
    await accounts.add(user)
    for email in ("nobody@example.com", "not an email", user.email.value):
        with pytest.raises(InvalidCredentials):
            await accounts.sign_in(SignIn(email, "wrong password", CLIENT))
    assert checked == [None, None, user.password_hash]


async def test_signing_in_clears_away_the_users_expired_refresh_tokens(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    for _ in range(3):
        await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    accounts.clock.advance(3600)
    await accounts.sign_in(SignIn(user.email.value, PASSWORD, CLIENT))
    assert len(accounts.store["refresh_tokens"]) == 1
