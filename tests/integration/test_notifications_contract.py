"""The outbox and its deliveries, one contract on memory, SQLite and PostgreSQL: an event
exists if and only if its change committed; the relay fans it out once; deliveries are
retried on their schedule, in each subject's order, and a worker's lease that runs out
is taken over."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from adapters.system import Uuid7Generator
from adapters.webhooks import HttpWebhookClient
from application.notifications.admin import GetBacklogHandler
from application.notifications.commands import (
    CreateWebhook,
    GetBacklog,
    UpdateWebhook,
    WebhookCommand,
)
from application.notifications.deliveries import DeliverDueHandler
from application.notifications.ports import DeliveryQuery, EventQuery
from application.notifications.relay import RelayEventsHandler
from application.notifications.shared import Notifications
from application.notifications.webhooks import (
    CreateWebhookHandler,
    GetWebhookHandler,
    RotateWebhookSecretHandler,
    UpdateWebhookHandler,
)
from application.shared.actor import Actor
from application.shared.outbox import Origin, OutboxEvent, origin
from domain.notifications import Channel, DeliveryStatus, RetrySchedule, WebhookEndpoint
from domain.notifications.webhook import FAILURES_TO_DISABLE
from domain.users import Email, Role, User
from domain.users.events import PasswordChanged
from entrypoints.events import EVENT_TYPES
from tests.fakes import EventLog, FakeClock, Receiver
from tests.integration.conftest import MakeUow
from tests.peers import WebhookReceiver

ADMIN = Actor.operator()


class Boom(Exception):
    pass


class Audit:
    def __init__(self) -> None:
        self.events: list[OutboxEvent] = []

    def record(self, events: list[OutboxEvent]) -> None:
        self.events.extend(events)


def registered(email: str = "ada@example.com") -> User:
    return User.register(
        id=Uuid7Generator().new_id(),
        email=Email(email),
        full_name="Ada Lovelace",
        password_hash="h",
        now=datetime.now(UTC),
    )


async def add_users(make_uow: MakeUow, *users: User) -> None:
    async with make_uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def outbox(make_uow: MakeUow) -> list[OutboxEvent]:
    async with make_uow(read_only=True) as uow:
        return list(await uow.outbox.list(EventQuery(limit=1000)))  # type: ignore[attr-defined]


async def change_password(make_uow: MakeUow, user: User) -> None:
    async with make_uow() as uow:
        found = await uow.users.get(user.id, for_update=True)
        assert found is not None
        found.record(PasswordChanged(found.id))
        await uow.users.save(found)
        await uow.commit()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def notifications(make_uow: MakeUow, clock: FakeClock, receiver: Receiver) -> Notifications:
    return Notifications(
        uow=make_uow,  # type: ignore[arg-type]
        read_uow=lambda: make_uow(read_only=True),  # type: ignore[arg-type, return-value]
        ids=Uuid7Generator(),
        clock=clock,
        mailer=receiver,
        broker=receiver,
        webhooks=HttpWebhookClient(https_only=False, allowed_networks=["127.0.0.0/8"]),
        event_types=EVENT_TYPES,
    )


@pytest.fixture
def relay(notifications: Notifications) -> RelayEventsHandler:
    return RelayEventsHandler(notifications, Audit())


@pytest.fixture
def deliver(notifications: Notifications) -> DeliverDueHandler:
    return DeliverDueHandler(notifications, jitter=lambda: 0.0)


async def test_an_event_is_written_if_and_only_if_its_change_commits(make_uow: MakeUow) -> None:
    user = registered()
    with pytest.raises(Boom):
        async with make_uow() as uow:
            await uow.users.add(user)
            raise Boom  # before the commit
    assert await outbox(make_uow) == []

    user = registered()
    token = origin.set(Origin(request_id="req-1", actor="operator"))
    try:
        with pytest.raises(Boom):
            async with make_uow() as uow:
                await uow.users.add(user)
                await uow.commit()
                raise Boom  # after the commit
    finally:
        origin.reset(token)

    [event] = await outbox(make_uow)
    assert (event.type, event.subject_id, event.subject_version) == (
        "user.registered",
        user.id,
        1,
    )
    assert (event.request_id, event.actor, event.schema_version) == ("req-1", "operator", 1)
    data = json.loads(event.data)
    assert data["email"] == "ada@example.com" and "password_hash" not in data
    async with make_uow(read_only=True) as uow:
        assert await uow.users.get(user.id) is not None


async def test_a_commit_whose_outbox_cannot_be_written_keeps_nothing(
    make_uow: MakeUow, events: EventLog
) -> None:
    user = registered()
    events.failing = True
    with pytest.raises(RuntimeError, match="outbox"):
        await add_users(make_uow, user)
    events.failing = False
    assert await outbox(make_uow) == []
    async with make_uow(read_only=True) as uow:
        assert await uow.users.get(user.id) is None


async def test_the_relay_fans_each_event_out_once(
    make_uow: MakeUow, relay: RelayEventsHandler
) -> None:
    user = registered()
    await add_users(make_uow, user)
    await change_password(make_uow, user)

    assert await relay() == 2
    assert await relay() == 0  # dispatched: never again

    async with make_uow(read_only=True) as uow:
        deliveries = await uow.deliveries.list(DeliveryQuery())  # type: ignore[attr-defined]
        waiting, oldest = await uow.outbox.undispatched()  # type: ignore[attr-defined]
    assert sorted((d.channel, d.dedupe_key.split(":")[1]) for d in deliveries) == sorted(
        [(Channel.BROKER, str(e.id)) for e in await outbox(make_uow)]
        + [(Channel.EMAIL, "password_changed")]
    )
    assert (waiting, oldest) == (0, None)


async def test_every_event_reaches_the_broker_and_an_email_goes_once_per_kind(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    receiver: Receiver,
) -> None:
    user = registered()
    await add_users(make_uow, user)
    await change_password(make_uow, user)
    await change_password(make_uow, user)  # a second change: its email is the same one

    await relay()
    while await deliver():
        pass

    assert sorted(e.id for e in receiver.events) == sorted(e.id for e in await outbox(make_uow))
    [email] = receiver.emails
    assert (email.template, email.to.email, email.to.name) == (
        "password_changed",
        "ada@example.com",
        "Ada Lovelace",
    )


async def test_a_failed_attempt_is_retried_after_its_wait_then_arrives(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    receiver: Receiver,
    clock: FakeClock,
    notifications: Notifications,
) -> None:
    notifications.broker = None  # email only
    user = registered()
    await add_users(make_uow, user)
    await change_password(make_uow, user)
    await relay()
    receiver.failures = 2

    assert await deliver() == 1  # fails: the next try is 5 s later
    assert await deliver() == 0
    clock.advance(5)
    assert await deliver() == 1  # fails again: 5 min later
    clock.advance(299)
    assert await deliver() == 0
    clock.advance(1)
    assert await deliver() == 1
    async with make_uow(read_only=True) as uow:
        [delivery] = await uow.deliveries.list(DeliveryQuery())  # type: ignore[attr-defined]
    assert (delivery.status, delivery.attempts, delivery.last_status) == (
        DeliveryStatus.SUCCEEDED,
        3,
        None,
    )
    assert len(receiver.emails) == 1


async def test_a_subjects_events_arrive_in_order_even_when_the_first_is_retried(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    user = registered()
    await add_users(make_uow, user)
    for _ in range(3):
        await change_password(make_uow, user)
    await relay()
    receiver.failures = 1

    await deliver()  # the first broker delivery fails; the email goes
    assert receiver.events == []
    clock.advance(1)
    while await deliver():
        pass
    expected = sorted(await outbox(make_uow), key=lambda e: e.id)
    assert receiver.events == expected


async def test_a_lease_that_runs_out_is_taken_over_and_the_late_outcome_dropped(
    make_uow: MakeUow, relay: RelayEventsHandler, clock: FakeClock
) -> None:
    await add_users(make_uow, registered())
    await relay()
    now = clock.now()
    first, second = Uuid7Generator().new_id(), Uuid7Generator().new_id()

    async with make_uow() as uow:
        [claimed] = await uow.deliveries.claim_due(now, first, now + timedelta(seconds=60), 10)  # type: ignore[attr-defined]
        await uow.commit()
    async with make_uow() as uow:  # its worker died: nobody else takes it before the lease ends
        assert await uow.deliveries.claim_due(now, second, now + timedelta(seconds=60), 10) == []  # type: ignore[attr-defined]
        later = now + timedelta(seconds=61)
        [taken] = await uow.deliveries.claim_due(later, second, later + timedelta(seconds=60), 10)  # type: ignore[attr-defined]
        await uow.commit()
    assert taken.id == claimed.id

    claimed.succeeded(now)
    taken.succeeded(later)
    async with make_uow() as uow:
        assert await uow.deliveries.save(claimed, first) is False  # type: ignore[attr-defined]
        assert await uow.deliveries.save(taken, second) is True  # type: ignore[attr-defined]
        await uow.commit()


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_racing_relays_and_workers_fan_out_and_send_each_event_once(
    make_uow: MakeUow,
    notifications: Notifications,
    receiver: Receiver,
) -> None:
    async with make_uow() as uow:
        for n in range(60):
            await uow.users.add(registered(f"u{n}@example.com"))
        await uow.commit()
    relays = [RelayEventsHandler(notifications, Audit()) for _ in range(4)]
    workers = [DeliverDueHandler(notifications) for _ in range(4)]

    while sum(await asyncio.gather(*(r(limit=7) for r in relays))):
        pass
    while sum(await asyncio.gather(*(w(limit=5) for w in workers))):
        pass

    published = [e.id for e in receiver.events]
    assert len(published) == len(set(published)) == 60


# Webhooks: a real HTTP receiver, signatures checked with the standardwebhooks package.


async def endpoint_for(
    notifications: Notifications, url: str, *types: str, enabled: bool = True
) -> WebhookEndpoint:
    create = CreateWebhookHandler(notifications)
    return await create(CreateWebhook(ADMIN, url, frozenset(types), enabled=enabled))


def assert_signed(request: tuple[str, dict[str, str], bytes], *secrets: str) -> None:
    """Each secret's signature is in the header, as Standard Webhooks computes it."""
    _, headers, body = request
    sent = headers["webhook-signature"].split(" ")
    moment = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    for secret in secrets:
        assert Webhook(secret).sign(headers["webhook-id"], moment, body.decode()) in sent
    assert len(sent) == len(secrets)


async def test_a_webhook_is_signed_retried_after_retry_after_and_keeps_its_id(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    notifications: Notifications,
    clock: FakeClock,
) -> None:
    notifications.broker = None
    user = registered()
    await add_users(make_uow, user)
    with WebhookReceiver() as hooks:
        endpoint = await endpoint_for(notifications, hooks.url, "user.password_changed")
        await change_password(make_uow, user)
        await relay()
        hooks.answers = [500, (500, {"retry-after": "600"})]

        await deliver()  # 500: again in 5 s
        first = hooks.requests[0]
        Webhook(endpoint.secret).verify(first[2], first[1])  # the receiver's own check
        clock.advance(5)
        await deliver()  # 500 again, asking for 10 min, longer than the schedule's 5
        clock.advance(300)
        assert await deliver() == 0
        clock.advance(300)
        assert await deliver() == 1

    assert len(hooks.requests) == 3
    [event] = [e for e in await outbox(make_uow) if e.type == "user.password_changed"]
    assert {headers["webhook-id"] for _, headers, _ in hooks.requests} == {str(event.id)}
    for request in hooks.requests:
        assert_signed(request, endpoint.secret)
    assert hooks.bodies()[0] == {
        "type": "user.password_changed",
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": json.loads(event.data),
    }
    async with make_uow(read_only=True) as uow:
        [delivery] = await uow.deliveries.list(DeliveryQuery(Channel.WEBHOOK))  # type: ignore[attr-defined]
    assert (delivery.status, delivery.attempts, delivery.last_status) == (
        DeliveryStatus.SUCCEEDED,
        3,
        200,
    )


async def test_a_rotated_secret_signs_next_to_the_new_one_for_a_day(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    notifications: Notifications,
    clock: FakeClock,
) -> None:
    with WebhookReceiver() as hooks:
        endpoint = await endpoint_for(notifications, hooks.url, "user.registered")
        rotated = await RotateWebhookSecretHandler(notifications)(
            WebhookCommand(ADMIN, endpoint.id)
        )
        await add_users(make_uow, registered("a@example.com"))
        await relay()
        await deliver()
        clock.advance(24 * 3600)
        await add_users(make_uow, registered("b@example.com"))
        await relay()
        await deliver()

    assert rotated.secret != endpoint.secret
    during, after = hooks.requests
    assert_signed(during, rotated.secret, endpoint.secret)
    assert_signed(after, rotated.secret)


async def test_an_endpoint_gets_only_what_it_asked_for_and_nothing_once_disabled(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    notifications: Notifications,
) -> None:
    with WebhookReceiver() as hooks:
        everything = await endpoint_for(notifications, hooks.url + "/all", "*")
        await endpoint_for(notifications, hooks.url + "/off", "*", enabled=False)
        await endpoint_for(notifications, hooks.url + "/orders", "order.placed")
        user = registered()
        await add_users(make_uow, user)
        await relay()
        await deliver()
        await UpdateWebhookHandler(notifications)(
            UpdateWebhook(ADMIN, everything.id, enabled=False)
        )
        await change_password(make_uow, user)
        await relay()
        while await deliver():
            pass

    [(path, _, _)] = hooks.requests
    assert (path, hooks.bodies()[0]["type"]) == ("/hooks/all", "user.registered")


async def test_an_endpoint_whose_deliveries_keep_failing_is_disabled_and_admins_told(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    notifications: Notifications,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    notifications.broker = None
    notifications.retries = RetrySchedule((timedelta(seconds=1),))  # two attempts each
    admin = User.register(
        id=Uuid7Generator().new_id(),
        email=Email("ops@example.com"),
        full_name="Ops",
        password_hash="h",
        now=clock.now(),
        role=Role.ADMIN,
    )
    await add_users(make_uow, admin)
    await relay()  # before there is an endpoint
    with WebhookReceiver() as hooks:
        hooks.answers = [500] * 100
        endpoint = await endpoint_for(notifications, hooks.url, "user.registered")
        async with make_uow() as uow:
            for n in range(FAILURES_TO_DISABLE):
                await uow.users.add(registered(f"u{n}@example.com"))
            await uow.commit()
        await relay()
        for _ in range(3):
            await deliver()
            clock.advance(2)
        await relay()  # webhook.disabled, to every admin's inbox
        while await deliver():
            pass

    assert len(hooks.requests) == 2 * FAILURES_TO_DISABLE  # each failed twice, for good
    found = await GetWebhookHandler(notifications)(WebhookCommand(ADMIN, endpoint.id))
    assert not found.enabled
    backlog = await GetBacklogHandler(notifications)(GetBacklog(ADMIN))
    assert [e.id for e in backlog.failing_endpoints] == [endpoint.id]
    [disabled] = [e for e in await outbox(make_uow) if e.type == "webhook.disabled"]
    assert json.loads(disabled.data)["url"] == hooks.url
    assert [(e.template, e.to.email) for e in receiver.emails] == [
        ("webhook_disabled", "ops@example.com")
    ]


async def test_a_slow_receiver_holds_back_no_other_deliverys_outcome(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    notifications: Notifications,
    receiver: Receiver,
) -> None:
    notifications.broker = None
    user = registered()
    await add_users(make_uow, user)
    await relay()
    with WebhookReceiver() as hooks:
        await endpoint_for(notifications, hooks.url, "user.password_changed")
        await change_password(make_uow, user)  # an email and a webhook
        await relay()
        hooks.slow, hooks.delay = 1, 1.5
        sending = asyncio.ensure_future(deliver())
        await asyncio.sleep(0.5)  # the email is sent; the webhook's receiver still thinks

        async with make_uow(read_only=True) as uow:
            found = await uow.deliveries.list(DeliveryQuery())  # type: ignore[attr-defined]
        assert {d.channel: d.status for d in found} == {
            Channel.EMAIL: DeliveryStatus.SUCCEEDED,  # written back already: a crash now
            Channel.WEBHOOK: DeliveryStatus.PENDING,  # would not send it again
        }
        assert await sending == 2
    assert len(receiver.emails) == 1 and len(hooks.requests) == 1


async def test_a_delivery_that_arrives_ends_an_endpoints_run_of_failures(
    make_uow: MakeUow,
    relay: RelayEventsHandler,
    deliver: DeliverDueHandler,
    notifications: Notifications,
    clock: FakeClock,
) -> None:
    notifications.broker = None
    notifications.retries = RetrySchedule((timedelta(seconds=1),))  # two attempts each
    with WebhookReceiver() as hooks:
        endpoint = await endpoint_for(notifications, hooks.url, "user.registered")
        hooks.answers = [500, 500]  # the first delivery fails for good
        await add_users(make_uow, registered("a@example.com"))
        await relay()
        await deliver()
        clock.advance(2)
        await deliver()
        get = GetWebhookHandler(notifications)
        assert (await get(WebhookCommand(ADMIN, endpoint.id))).failures_in_a_row == 1
        await add_users(make_uow, registered("b@example.com"))  # this one arrives
        await relay()
        await deliver()
        assert (await get(WebhookCommand(ADMIN, endpoint.id))).failures_in_a_row == 0
