from datetime import timedelta

import pytest

from application.shared.actor import Actor
from application.users.commands import (
    Authorize,
    CreateAdmin,
    FindUserByEmail,
    GetUser,
    GetUsers,
    ListUsers,
    Refresh,
    SignIn,
    UnlockUser,
    UpdateUser,
)
from application.users.errors import InvalidToken
from domain.shared.errors import Forbidden, NotFound
from domain.users import EmailTaken, LastAdmin, Role
from domain.users.events import UserDeactivated
from tests.factories import OPERATOR, PASSWORD, UserFactory
from tests.unit.conftest import Accounts


async def test_users_are_listed_newest_first_page_by_page(accounts: Accounts) -> None:
    start = accounts.clock.now()
    users = [UserFactory(created_at=start + timedelta(seconds=i)) for i in range(5)]
    await accounts.add(*users)

    first = await accounts.list_users(ListUsers(OPERATOR, limit=2))
    second = await accounts.list_users(ListUsers(OPERATOR, limit=2, after=first.next_after))
    third = await accounts.list_users(ListUsers(OPERATOR, limit=2, after=second.next_after))

    seen = [u.id for page in (first, second, third) for u in page.items]
    assert seen == [u.id for u in reversed(users)]
    assert third.next_after is None


async def test_users_can_be_filtered_by_role_and_text(accounts: Accounts) -> None:
    ada = UserFactory(full_name="Ada Lovelace", admin=True)
    await accounts.add(ada, UserFactory(full_name="Ada Byron"), UserFactory(full_name="Grace"))
    admins = await accounts.list_users(ListUsers(OPERATOR, role=Role.ADMIN))
    adas = await accounts.list_users(ListUsers(OPERATOR, text="ADA"))
    assert [u.id for u in admins.items] == [ada.id]
    assert len(adas.items) == 2


async def test_an_admin_can_promote_a_customer(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    updated = await accounts.update_user(UpdateUser(OPERATOR, user.id, role=Role.ADMIN))
    assert updated.role is (await accounts.stored(user)).role is Role.ADMIN


async def test_demoting_the_last_active_admin_is_refused(accounts: Accounts) -> None:
    admin = UserFactory(admin=True)
    await accounts.add(admin, UserFactory(admin=True, is_active=False))
    with pytest.raises(LastAdmin):
        await accounts.update_user(UpdateUser(OPERATOR, admin.id, role=Role.CUSTOMER))
    with pytest.raises(LastAdmin):
        await accounts.update_user(UpdateUser(OPERATOR, admin.id, is_active=False))
    assert (await accounts.stored(admin)).is_active_admin


async def test_one_of_two_admins_can_step_down(accounts: Accounts) -> None:
    admin, other = UserFactory(admin=True), UserFactory(admin=True)
    await accounts.add(admin, other)
    await accounts.update_user(UpdateUser(OPERATOR, admin.id, role=Role.CUSTOMER))
    with pytest.raises(LastAdmin):
        await accounts.update_user(UpdateUser(OPERATOR, other.id, is_active=False))


async def test_deactivating_a_user_cuts_their_access_at_once(accounts: Accounts) -> None:
    user = UserFactory()
    await accounts.add(user)
    pair = await accounts.sign_in(SignIn(user.email.value, PASSWORD, "10.0.0.1"))

    await accounts.update_user(UpdateUser(OPERATOR, user.id, is_active=False))

    with pytest.raises(InvalidToken):
        await accounts.authorize(Authorize(pair.access_token))
    with pytest.raises(InvalidToken):
        await accounts.refresh(Refresh(pair.refresh_token))


async def test_reactivating_a_user_lets_them_sign_in_but_not_reuse_old_tokens(
    accounts: Accounts,
) -> None:
    user = UserFactory()
    await accounts.add(user)
    old = await accounts.sign_in(SignIn(user.email.value, PASSWORD, "10.0.0.1"))
    await accounts.update_user(UpdateUser(OPERATOR, user.id, is_active=False))
    await accounts.update_user(UpdateUser(OPERATOR, user.id, is_active=True))

    with pytest.raises(InvalidToken):
        await accounts.authorize(Authorize(old.access_token))
    new = await accounts.sign_in(SignIn(user.email.value, PASSWORD, "10.0.0.1"))
    assert (await accounts.authorize(Authorize(new.access_token))).id == user.id


async def test_an_unknown_user_is_not_found(accounts: Accounts) -> None:
    missing = UserFactory()
    with pytest.raises(NotFound):
        await accounts.get_user(GetUser(OPERATOR, missing.id))
    with pytest.raises(NotFound):
        await accounts.update_user(UpdateUser(OPERATOR, missing.id, role=Role.ADMIN))
    with pytest.raises(NotFound):
        await accounts.find_user_by_email(FindUserByEmail(OPERATOR, missing.email.value))


async def test_an_admin_reads_the_accounts_that_exist_among_many(accounts: Accounts) -> None:
    ada, bob, gone = UserFactory(), UserFactory(), UserFactory()
    await accounts.add(ada)
    await accounts.add(bob)
    get_users = accounts.container.users.get_users()
    found = await get_users(GetUsers(OPERATOR, frozenset({ada.id, bob.id, gone.id})))
    assert {user.email for user in found} == {ada.email, bob.email}


async def test_creating_an_admin_twice_changes_nothing_the_second_time(accounts: Accounts) -> None:
    first = await accounts.create_admin(CreateAdmin(OPERATOR, "Boss@example.com", PASSWORD, "Boss"))
    again = await accounts.create_admin(
        CreateAdmin(OPERATOR, "boss@example.com", "another password", "Other")
    )
    assert (first.created, again.created) == (True, False)
    assert again.user.id == first.user.id
    assert (await accounts.stored(first.user)).password_hash == f"fake${PASSWORD}"


async def test_creating_an_admin_over_a_customer_is_refused(accounts: Accounts) -> None:
    customer = UserFactory()
    await accounts.add(customer)
    with pytest.raises(EmailTaken):
        await accounts.create_admin(CreateAdmin(OPERATOR, customer.email.value, PASSWORD, "Boss"))
    assert (await accounts.stored(customer)).role is Role.CUSTOMER


async def test_an_admin_deactivation_is_published_but_a_refused_one_is_not(
    accounts: Accounts,
) -> None:
    admin, user = UserFactory(admin=True), UserFactory()
    await accounts.add(admin, user)
    await accounts.update_user(UpdateUser(OPERATOR, user.id, is_active=False))
    with pytest.raises(LastAdmin):
        await accounts.update_user(UpdateUser(OPERATOR, admin.id, is_active=False))
    assert accounts.events.published == [UserDeactivated(user.id)]


async def test_only_admins_see_or_manage_other_accounts(accounts: Accounts) -> None:
    ada = UserFactory()
    await accounts.add(ada)
    users = accounts.container.users
    for customer in (Actor(ada.id, is_admin=False), Actor.anonymous()):
        refused = [
            accounts.list_users(ListUsers(customer)),
            accounts.get_user(GetUser(customer, ada.id)),
            users.get_users()(GetUsers(customer, frozenset({ada.id}))),
            accounts.find_user_by_email(FindUserByEmail(customer, ada.email.value)),
            accounts.update_user(UpdateUser(customer, ada.id, role=Role.ADMIN)),
            accounts.create_admin(CreateAdmin(customer, "me@example.com", PASSWORD)),
            users.unlock_user()(UnlockUser(customer, ada.email.value)),
        ]
        for call in refused:
            with pytest.raises(Forbidden, match="Only admins may"):
                await call
    assert (await accounts.stored(ada)).role is Role.CUSTOMER
    assert [u.id for u in (await accounts.list_users(ListUsers(OPERATOR))).items] == [ada.id]
