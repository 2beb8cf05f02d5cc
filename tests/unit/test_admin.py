from datetime import timedelta

import pytest

from application.users.commands import (
    Authorize,
    CreateAdmin,
    FindUserByEmail,
    GetUser,
    ListUsers,
    Refresh,
    SignIn,
    UpdateUser,
)
from application.users.errors import InvalidToken
from domain.shared.errors import NotFound
from domain.users import EmailTaken, LastAdmin, Role
from domain.users.events import UserDeactivated
from tests.factories import PASSWORD, UserFactory
from tests.unit.conftest import Accounts


async def test_users_are_listed_newest_first_page_by_page(accounts: Accounts) -> None:
    start = accounts.clock.now()
    users = [UserFactory(created_at=start + timedelta(seconds=i)) for i in range(5)]
    await accounts.add(*users)

    first = await accounts.list_accounts(ListUsers(limit=2))
    second = await accounts.list_accounts(ListUsers(limit=2, after=first.next_after))
    third = await accounts.list_accounts(ListUsers(limit=2, after=second.next_after))

    seen = [u.id for page in (first, second, third) for u in page.items]
    assert seen == [u.id for u in reversed(users)]
    assert third.next_after is None


async def test_users_can_be_filtered_by_role_and_text(accounts: Accounts) -> None:
    ada = UserFactory(full_name="Ada Lovelace", admin=True)
    await accounts.add(ada, UserFactory(full_name="Ada Byron"), UserFactory(full_name="Grace"))
    admins = await accounts.list_accounts(ListUsers(role=Role.ADMIN))
    adas = await accounts.list_accounts(ListUsers(text="ADA"))
    assert [u.id for u in admins.items] == [ada.id]
    assert len(adas.items) == 2


async def test_an_admin_can_promote_a_customer(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    updated = await accounts.update_account(UpdateUser(user.id, role=Role.ADMIN))
    assert updated.role is (await accounts.stored(user)).role is Role.ADMIN


async def test_demoting_the_last_active_admin_is_refused(accounts: Accounts) -> None:
    admin = UserFactory(admin=True)
    await accounts.add(admin, UserFactory(admin=True, is_active=False))
    with pytest.raises(LastAdmin):
        await accounts.update_account(UpdateUser(admin.id, role=Role.CUSTOMER))
    with pytest.raises(LastAdmin):
        await accounts.update_account(UpdateUser(admin.id, is_active=False))
    assert (await accounts.stored(admin)).is_active_admin


async def test_one_of_two_admins_can_step_down(accounts: Accounts) -> None:
    admin, other = UserFactory(admin=True), UserFactory(admin=True)
    await accounts.add(admin, other)
    await accounts.update_account(UpdateUser(admin.id, role=Role.CUSTOMER))
    with pytest.raises(LastAdmin):
        await accounts.update_account(UpdateUser(other.id, is_active=False))


async def test_deactivating_a_user_cuts_their_access_at_once(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.authenticate(SignIn(user.email.value, PASSWORD, "10.0.0.1"))

    await accounts.update_account(UpdateUser(user.id, is_active=False))

    with pytest.raises(InvalidToken):
        await accounts.authorize(Authorize(pair.access_token))
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh(pair.refresh_token))


async def test_reactivating_a_user_lets_them_sign_in_but_not_reuse_old_tokens(
    accounts: Accounts,
) -> None:
    user = UserFactory()
    await accounts.add(user)
    old = await accounts.authenticate(SignIn(user.email.value, PASSWORD, "10.0.0.1"))
    await accounts.update_account(UpdateUser(user.id, is_active=False))
    await accounts.update_account(UpdateUser(user.id, is_active=True))

    with pytest.raises(InvalidToken):
        await accounts.authorize(Authorize(old.access_token))
    new = await accounts.authenticate(SignIn(user.email.value, PASSWORD, "10.0.0.1"))
    assert (await accounts.authorize(Authorize(new.access_token))).id == user.id


async def test_an_unknown_user_is_not_found(accounts: Accounts) -> None:
    missing = UserFactory()
    with pytest.raises(NotFound):
        await accounts.get_account(GetUser(missing.id))
    with pytest.raises(NotFound):
        await accounts.update_account(UpdateUser(missing.id, role=Role.ADMIN))
    with pytest.raises(NotFound):
        await accounts.find_by_email(FindUserByEmail(missing.email.value))


async def test_creating_an_admin_twice_changes_nothing_the_second_time(accounts: Accounts) -> None:
    first = await accounts.create_admin(CreateAdmin("Boss@example.com", PASSWORD, "Boss"))
    again = await accounts.create_admin(
        CreateAdmin("boss@example.com", "another password", "Other")
    )
    assert (first.created, again.created) == (True, False)
    assert again.user.id == first.user.id
    assert (await accounts.stored(first.user)).password_hash == f"fake${PASSWORD}"


async def test_creating_an_admin_over_a_customer_is_refused(accounts: Accounts) -> None:
    customer = UserFactory()
    await accounts.add(customer)
    with pytest.raises(EmailTaken):
        await accounts.create_admin(CreateAdmin(customer.email.value, PASSWORD, "Boss"))
    assert (await accounts.stored(customer)).role is Role.CUSTOMER


async def test_an_admin_deactivation_is_published_but_a_refused_one_is_not(
    accounts: Accounts,
) -> None:
    admin, user = UserFactory(admin=True), UserFactory()
    await accounts.add(admin, user)
    await accounts.update_account(UpdateUser(user.id, is_active=False))
    with pytest.raises(LastAdmin):
        await accounts.update_account(UpdateUser(admin.id, is_active=False))
    assert accounts.events.published == [UserDeactivated(user.id)]
