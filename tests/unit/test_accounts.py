import pytest

from application.users.commands import (
    Authorize,
    ChangePassword,
    Refresh,
    Register,
    SignIn,
    UpdateProfile,
)
from application.users.errors import InvalidCredentials, InvalidToken
from domain.shared.errors import InvalidValue
from domain.users import EmailTaken, Role
from domain.users.events import PasswordChanged, UserRegistered
from tests.factories import PASSWORD, UserFactory
from tests.unit.conftest import Accounts

CLIENT = "203.0.113.9"


async def test_registering_creates_an_active_customer_with_a_hashed_password(
    accounts: Accounts,
) -> None:
    user = await accounts.register(Register(" Ada@Example.com", "s3cret-pass", "Ada"))
    stored = await accounts.stored(user)
    assert stored.email.value == "ada@example.com"
    assert stored.role is Role.CUSTOMER and stored.is_active
    assert stored.password_hash == "fake$s3cret-pass"


async def test_an_email_registered_in_another_case_is_taken(accounts: Accounts) -> None:
    await accounts.register(Register("ada@example.com", PASSWORD, "Ada"))
    with pytest.raises(EmailTaken):
        await accounts.register(Register("ADA@example.COM", PASSWORD, "Impostor"))
    assert len(accounts.store["users"]) == 1


async def test_a_short_password_is_refused_and_nothing_is_stored(accounts: Accounts) -> None:
    with pytest.raises(InvalidValue):
        await accounts.register(Register("ada@example.com", "short", "Ada"))
    assert accounts.store["users"] == {}


async def test_updating_the_profile_renames_the_user(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    updated = await accounts.update_profile(UpdateProfile(user.id, "Grace Hopper"))
    assert (await accounts.stored(user)).full_name == updated.full_name == "Grace Hopper"


async def test_changing_the_password_needs_the_current_one(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    with pytest.raises(InvalidCredentials):
        await accounts.change_password(
            ChangePassword(user.id, "wrong password", "new password 1", CLIENT)
        )
    assert (await accounts.stored(user)).password_hash == user.password_hash


async def test_a_new_password_must_follow_the_policy(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    with pytest.raises(InvalidValue) as refused:
        await accounts.change_password(ChangePassword(user.id, PASSWORD, "short", CLIENT))
    assert refused.value.field == "new_password"


async def test_changing_the_password_ends_every_session(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, "10.0.0.1"))

    await accounts.change_password(ChangePassword(user.id, PASSWORD, "new password 1", CLIENT))

    with pytest.raises(InvalidToken):
        await accounts.authorize(Authorize(pair.access_token))
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh(pair.refresh_token))
    fresh = await accounts.sign_in(SignIn(user.email.value, "new password 1", "10.0.0.1"))
    assert (await accounts.authorize(Authorize(fresh.access_token))).id == user.id


async def test_registering_and_changing_the_password_are_published(accounts: Accounts) -> None:
    user = await accounts.register(Register("ada@example.com", PASSWORD, "Ada"))
    await accounts.change_password(ChangePassword(user.id, PASSWORD, "new password 1", CLIENT))
    with pytest.raises(EmailTaken):
        await accounts.register(Register("ada@example.com", PASSWORD, "Ada"))
    assert accounts.events.published == [
        UserRegistered(user.id, "ada@example.com", "customer"),
        PasswordChanged(user.id),
    ]
