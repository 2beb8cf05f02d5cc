"""One contract, three adapters: memory, SQLite and PostgreSQL behave the same."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from application.shared.ports import WriteRefused
from application.users.ports import UserQuery
from domain.shared.errors import ConcurrentUpdate
from domain.users import Email, EmailTaken, RefreshToken, RevokeReason, Role, User
from domain.users.events import PasswordChanged, UserRegistered
from tests.factories import UserFactory
from tests.fakes import EventLog
from tests.integration.conftest import MakeUow


async def add(make_uow: MakeUow, *users: User) -> None:
    async with make_uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


def token_for(user: User, token_hash: str, now: datetime) -> RefreshToken:
    return RefreshToken(
        id=UserFactory().id,
        user_id=user.id,
        token_hash=token_hash,
        issued_at=now,
        expires_at=now + timedelta(days=1),
    )


async def test_a_user_reads_back_as_it_was_written(make_uow: MakeUow) -> None:
    user = UserFactory(created_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), admin=True)
    await add(make_uow, user)
    async with make_uow(read_only=True) as uow:
        by_id = await uow.users.get(user.id)
        by_email = await uow.users.get_by_email(user.email)
    assert by_id is not None and by_email is not None
    for found in (by_id, by_email):
        assert (found.id, found.email, found.full_name, found.role, found.created_at) == (
            user.id,
            user.email,
            user.full_name,
            Role.ADMIN,
            user.created_at,
        )
        assert found.created_at.tzinfo is not None


async def test_many_users_are_read_at_once_in_id_order(make_uow: MakeUow) -> None:
    users = UserFactory.create_batch(3)
    await add(make_uow, *users)
    gone = UserFactory().id
    wanted = [users[2].id, users[0].id, gone, users[2].id]
    async with make_uow(read_only=True) as uow:
        found = await uow.users.get_many(wanted)
        none = await uow.users.get_many([])
    assert [user.id for user in found] == sorted({users[0].id, users[2].id})
    assert {user.email for user in found} == {users[0].email, users[2].email}
    assert none == []


async def test_times_in_other_zones_are_stored_as_the_same_instant(make_uow: MakeUow) -> None:
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    user = UserFactory(created_at=moment)
    await add(make_uow, user)
    async with make_uow() as uow:
        found = await uow.users.get(user.id)
    assert found is not None and found.created_at == moment


async def test_a_second_user_with_the_same_email_is_refused(make_uow: MakeUow) -> None:
    first = UserFactory()
    await add(make_uow, first)
    with pytest.raises(EmailTaken):
        await add(make_uow, UserFactory(), UserFactory(email=first.email))
    async with make_uow() as uow:
        assert len(await uow.users.list(UserQuery(limit=10))) == 1


async def test_leaving_without_commit_rolls_back(make_uow: MakeUow) -> None:
    user = UserFactory()
    async with make_uow() as uow:
        await uow.users.add(user)
    async with make_uow() as uow:
        assert await uow.users.get(user.id) is None


async def test_a_unit_of_work_can_be_entered_again(make_uow: MakeUow) -> None:
    uow = make_uow()
    first, second = UserFactory(), UserFactory()
    for user in (first, second):
        async with uow:
            await uow.users.add(user)
            await uow.commit()
    async with uow:
        assert len(await uow.users.list(UserQuery())) == 2


async def test_saving_a_stale_copy_is_refused(make_uow: MakeUow) -> None:
    user = UserFactory()
    await add(make_uow, user)
    async with make_uow() as uow:
        mine = await uow.users.get(user.id)
    async with make_uow() as uow:
        theirs = await uow.users.get(user.id)
        assert theirs is not None
        theirs.rename("Theirs")
        await uow.users.save(theirs)
        await uow.commit()
    assert mine is not None
    mine.rename("Mine")
    async with make_uow() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.users.save(mine)
    async with make_uow() as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None and (stored.full_name, stored.version) == ("Theirs", 2)


async def test_saving_writes_every_field_and_advances_the_version(make_uow: MakeUow) -> None:
    user = UserFactory()
    await add(make_uow, user)
    async with make_uow() as uow:
        found = await uow.users.get(user.id, for_update=True)
        assert found is not None
        found.change_password("new-hash")
        found.change_role(Role.ADMIN, active_admins=0)
        found.deactivate(active_admins=2)
        await uow.users.save(found)
        await uow.commit()
    async with make_uow() as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None
    assert (stored.password_hash, stored.role, stored.is_active) == ("new-hash", Role.ADMIN, False)
    assert (stored.credentials_version, stored.version) == (3, 2)


async def test_active_admins_are_counted(make_uow: MakeUow) -> None:
    await add(
        make_uow,
        UserFactory(admin=True),
        UserFactory(admin=True),
        UserFactory(admin=True, is_active=False),
        UserFactory(),
    )
    async with make_uow() as uow:
        assert await uow.users.count_active_admins() == 2


async def test_listing_pages_by_keyset_newest_first(make_uow: MakeUow) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    same_time = [UserFactory(created_at=start) for _ in range(3)]
    later = [UserFactory(created_at=start + timedelta(seconds=i + 1)) for i in range(3)]
    await add(make_uow, *same_time, *later)
    seen, after = [], None
    async with make_uow(read_only=True) as uow:
        while True:
            page = await uow.users.list(UserQuery(limit=2, after=after))
            if not page:
                break
            seen += page
            after = (page[-1].created_at, page[-1].id)
    expected = sorted(same_time + later, key=lambda u: (u.created_at, u.id), reverse=True)
    assert [u.id for u in seen] == [u.id for u in expected]


async def test_listing_filters_by_role_and_text_without_wildcards(make_uow: MakeUow) -> None:
    await add(
        make_uow,
        UserFactory(full_name="Ada Lovelace", email=Email("ada@example.com"), admin=True),
        UserFactory(full_name="Grace 100% Hopper"),
        UserFactory(full_name="Alan_Turing"),
    )
    async with make_uow(read_only=True) as uow:
        admins = await uow.users.list(UserQuery(role=Role.ADMIN))
        by_email = await uow.users.list(UserQuery(text="ADA@EX"))
        percent = await uow.users.list(UserQuery(text="100%"))
        underscore = await uow.users.list(UserQuery(text="n_t"))
        no_wildcard = await uow.users.list(UserQuery(text="%"))
    assert [u.full_name for u in admins] == ["Ada Lovelace"]
    assert [u.full_name for u in by_email] == ["Ada Lovelace"]
    assert [u.full_name for u in percent] == ["Grace 100% Hopper"]
    assert [u.full_name for u in underscore] == ["Alan_Turing"]
    assert [u.full_name for u in no_wildcard] == ["Grace 100% Hopper"]


async def test_refresh_tokens_are_found_by_hash_and_revoked_once(make_uow: MakeUow) -> None:
    user = UserFactory()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await add(make_uow, user)
    token = token_for(user, "a" * 64, now)
    async with make_uow() as uow:
        await uow.refresh_tokens.add(token)
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.refresh_tokens.get_by_hash("a" * 64) == token
        assert await uow.refresh_tokens.revoke(token.id, now, RevokeReason.ROTATED) is True
        assert await uow.refresh_tokens.revoke(token.id, now, RevokeReason.LOGOUT) is False
        await uow.commit()
    async with make_uow() as uow:
        stored = await uow.refresh_tokens.get_by_hash("a" * 64)
    assert stored is not None and stored.revoked_at == now
    assert stored.revoked_reason is RevokeReason.ROTATED


async def test_revoking_all_tokens_of_a_user_spares_other_users(make_uow: MakeUow) -> None:
    alice, bob = UserFactory(), UserFactory()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await add(make_uow, alice, bob)
    async with make_uow() as uow:
        for n, user in enumerate((alice, alice, bob)):
            await uow.refresh_tokens.add(token_for(user, f"{n}" * 64, now))
        await uow.refresh_tokens.revoke_all_for_user(alice.id, now)
        await uow.commit()
    async with make_uow() as uow:
        found = [await uow.refresh_tokens.get_by_hash(f"{n}" * 64) for n in range(3)]
    assert [t.is_revoked for t in found if t] == [True, True, False]


async def test_only_expired_tokens_of_the_user_are_deleted(make_uow: MakeUow) -> None:
    alice, bob = UserFactory(), UserFactory()
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    later = issued + timedelta(days=1)  # the moment the first tokens expire
    await add(make_uow, alice, bob)
    async with make_uow() as uow:
        await uow.refresh_tokens.add(token_for(alice, "e" * 64, issued))
        await uow.refresh_tokens.add(token_for(bob, "b" * 64, issued))
        await uow.refresh_tokens.add(token_for(alice, "f" * 64, later))
        await uow.refresh_tokens.revoke_all_for_user(alice.id, later)
        await uow.refresh_tokens.delete_expired_for_user(alice.id, later)
        await uow.commit()
    async with make_uow() as uow:
        left = {h: await uow.refresh_tokens.get_by_hash(h * 64) for h in "ebf"}
    assert left["e"] is None
    assert left["b"] is not None and left["f"] is not None and left["f"].is_revoked


async def test_events_are_published_after_commit_and_only_then(
    make_uow: MakeUow, events: EventLog
) -> None:
    user = User.register(
        id=UserFactory().id,
        email=Email("ada@example.com"),
        full_name="Ada",
        password_hash="h",
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    async with make_uow() as uow:
        await uow.users.add(user)
        assert events.published == []
    assert events.published == []  # rolled back: nothing happened

    async with make_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
        stored = await uow.users.get(user.id)
    assert events.published == [UserRegistered(user.id, "ada@example.com", "customer")]
    assert stored is not None and stored.events == []

    async with make_uow() as uow:
        await uow.commit()
    assert len(events.published) == 1  # published once, not again


async def test_changes_after_a_commit_are_rolled_back(make_uow: MakeUow) -> None:
    kept, dropped = UserFactory(), UserFactory()
    async with make_uow() as uow:
        await uow.users.add(kept)
        await uow.commit()
        await uow.users.add(dropped)
    async with make_uow() as uow:
        assert await uow.users.get(kept.id) is not None
        assert await uow.users.get(dropped.id) is None


async def test_events_of_an_aggregate_that_was_read_are_published_on_commit(
    make_uow: MakeUow, events: EventLog
) -> None:
    user = UserFactory()
    await add(make_uow, user)
    async with make_uow() as uow:
        found = await uow.users.get(user.id)
        assert found is not None
        found.record(PasswordChanged(found.id))  # changed in memory, never saved
        await uow.commit()
    assert events.published == [PasswordChanged(user.id)]


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda uow, user: uow.users.add(UserFactory()), id="insert"),
        pytest.param(lambda uow, user: uow.users.save(user), id="update"),
        pytest.param(
            lambda uow, user: uow.refresh_tokens.revoke_all_for_user(
                user.id, datetime(2026, 1, 1, tzinfo=UTC)
            ),
            id="bulk-update",
        ),
        pytest.param(
            lambda uow, user: uow.refresh_tokens.delete_expired_for_user(
                user.id, datetime(2100, 1, 1, tzinfo=UTC)
            ),
            id="delete",
        ),
    ],
)
async def test_a_read_only_unit_of_work_refuses_every_write(make_uow: MakeUow, write) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    await add(make_uow, user)
    async with make_uow() as uow:
        await uow.refresh_tokens.add(token_for(user, "r" * 64, datetime(2026, 1, 1, tzinfo=UTC)))
        await uow.commit()
    reader = make_uow(read_only=True)
    assert not hasattr(reader, "commit")
    with pytest.raises(WriteRefused):
        async with reader as uow:
            stored = await uow.users.get(user.id)
            stored.full_name = "Changed"
            await write(uow, stored)
    async with make_uow() as uow:
        assert len(await uow.users.list(UserQuery(limit=10))) == 1
        found = await uow.users.get(user.id)
        token = await uow.refresh_tokens.get_by_hash("r" * 64)
    assert found is not None and found.full_name == user.full_name and found.version == 1
    assert token is not None and not token.is_revoked
