import pytest

from domain.shared.errors import InvalidValue
from domain.users import Email, LastAdmin, Role, User, validate_password
from domain.users.events import PasswordChanged, RoleChanged, UserActivated, UserDeactivated
from tests.factories import UserFactory
from tests.fakes import FakeClock


def test_email_is_trimmed_and_lower_cased() -> None:
    assert Email.parse("  Ada.Lovelace@Example.COM ").value == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    ("raw", "same_as"),
    [
        ("cafe\u0301@example.com", "café@example.com"),  # decomposed é
        ("\uff21\uff24\uff21@\uff45xample.com", "ada@example.com"),  # fullwidth letters
        ("STRASSE@example.com", "straße@example.com"),  # case folding, not lower()
    ],
)
def test_spellings_of_one_address_normalise_to_one(raw: str, same_as: str) -> None:
    assert Email.parse(raw) == Email.parse(same_as)


@pytest.mark.parametrize(
    "raw",
    [
        "ad\u200da@example.com",  # zero-width joiner
        "ad\u00ada@example.com",  # soft hyphen
        "ada@exam\u200bple.com",  # zero-width space
        "ada\u202e@example.com",  # right-to-left override
        "p\u0430ypal@example.com",  # Cyrillic a among Latin letters
        "ada@\u0435xample.com",  # Cyrillic e in a Latin domain label
        "ada@g\u03bfogle.com",  # Greek omicron
    ],
)
def test_look_alike_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        Email.parse(raw)


@pytest.mark.parametrize(
    "raw", ["иван@пример.рф", "δοκιμή@παράδειγμα.ελ", "田中@例え.jp", "たなか@example.jp"]
)
def test_addresses_in_one_script_per_label_are_accepted(raw: str) -> None:
    assert Email.parse(raw).value == raw


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "a da@example.com",
        "a@b@example.com",
        "ada@example.",
        "a\x00da@example.com",
        "ada@exa\x7fmple.com",
        f"{'a' * 65}@example.com",
        f"ada@{'e' * 250}.com",
    ],
)
def test_malformed_emails_are_refused(raw: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Email.parse(raw)
    assert refused.value.field == "email"


@pytest.mark.parametrize("password", ["short77", "x" * 129])
def test_passwords_outside_8_to_128_characters_are_refused(password: str) -> None:
    with pytest.raises(InvalidValue):
        validate_password(password)


@pytest.mark.parametrize("password", ["x" * 8, "x" * 128, "pässwörd"])
def test_passwords_of_8_to_128_characters_are_accepted(password: str) -> None:
    validate_password(password)


def test_a_new_user_is_an_active_customer_with_a_tidy_name() -> None:
    user = User.register(
        id=UserFactory().id,
        email=Email.parse("ada@example.com"),
        full_name="  Ada   Lovelace ",
        password_hash="h",
        now=FakeClock().now(),
    )
    assert (user.role, user.is_active, user.full_name) == (Role.CUSTOMER, True, "Ada Lovelace")


def test_a_name_keeps_its_joiners_and_is_composed() -> None:
    user = UserFactory()
    user.rename("Zoe\u0301 \U0001f469\u200d\U0001f52c")
    assert user.full_name == "Zoé \U0001f469\u200d\U0001f52c"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "x" * 201,
        "Ada\x00",
        "\x07",
        "\u200d\u200b",  # only invisible characters
        "\u00ad",
        "Ada \u202eecalevoL",  # a bidi override turns what follows round
        "Ada\u2066x",
    ],
)
def test_a_blank_invisible_overlong_or_disguised_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidValue):
        UserFactory().rename(name)


def test_a_password_change_invalidates_earlier_credentials() -> None:
    user = UserFactory()
    user.change_password("new")
    assert (user.password_hash, user.credentials_version) == ("new", 2)


def test_upgrading_a_hash_keeps_sessions_valid() -> None:
    user = UserFactory()
    user.upgrade_hash("stronger")
    assert (user.password_hash, user.credentials_version) == ("stronger", 1)


def test_the_last_active_admin_cannot_be_demoted() -> None:
    admin = UserFactory(admin=True)
    with pytest.raises(LastAdmin):
        admin.change_role(Role.CUSTOMER, active_admins=1)
    assert admin.role is Role.ADMIN


def test_the_last_active_admin_cannot_be_deactivated() -> None:
    admin = UserFactory(admin=True)
    with pytest.raises(LastAdmin):
        admin.deactivate(active_admins=1)
    assert admin.is_active


def test_an_admin_can_be_demoted_while_another_remains() -> None:
    admin = UserFactory(admin=True)
    admin.change_role(Role.CUSTOMER, active_admins=2)
    assert admin.role is Role.CUSTOMER


def test_an_inactive_admin_does_not_count_as_the_last_one() -> None:
    admin = UserFactory(admin=True, is_active=False)
    admin.change_role(Role.CUSTOMER, active_admins=0)
    assert admin.role is Role.CUSTOMER


def test_deactivation_cuts_existing_credentials_and_reactivation_does_not_restore_them() -> None:
    user = UserFactory()
    user.deactivate(active_admins=0)
    user.activate()
    assert user.is_active and user.credentials_version == 2


def test_deactivating_an_inactive_user_changes_nothing() -> None:
    user = UserFactory(is_active=False)
    user.deactivate(active_admins=0)
    assert user.credentials_version == 1


def test_changes_are_recorded_as_events_and_handed_over_once() -> None:
    user = UserFactory(admin=True)
    user.change_role(Role.ADMIN, active_admins=1)  # no change, no event
    user.change_role(Role.CUSTOMER, active_admins=2)
    user.change_password("new")
    user.deactivate(active_admins=0)
    user.activate()
    assert user.pull_events() == [
        RoleChanged(user.id, "customer"),
        PasswordChanged(user.id),
        UserDeactivated(user.id),
        UserActivated(user.id),
    ]
    assert user.pull_events() == []


def test_a_refused_change_records_no_event() -> None:
    admin = UserFactory(admin=True)
    with pytest.raises(LastAdmin):
        admin.deactivate(active_admins=1)
    assert admin.pull_events() == []
