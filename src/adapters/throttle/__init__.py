"""Request counters: a fixed window per key that opens at its first count. The sign-in
throttle counts password checks; the rate limiter counts requests against a quota.

For sign-in, three keys count each attempt: the account from this client address (the
tight limit, so one address guessing one account is stopped quickly), the account from
every address (a looser limit, against guessing spread over many addresses), and the
client address (against one address trying many accounts). An attacker elsewhere therefore
locks the account's owner out only by guessing from more addresses than the loose
limit allows per window.

An attempt takes its slot on every key *before* the password is checked, atomically,
so however many attempts arrive at once no more passwords are checked than the limits
allow. A successful sign-in forgets the (account, address) attempts and gives its own
slot back. In memory for one process (``memory``); in Redis when several processes
share them (``redis``, imported only then).
"""

from dataclasses import dataclass

from application.shared.ports import Quota


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_account_and_client: int = 5
    per_account: int = 100
    per_client: int = 50
    window_seconds: int = 300

    def per_key(self) -> tuple[int, int, int]:
        """In the order of ``login_keys``."""
        return self.per_account_and_client, self.per_account, self.per_client


def pair_prefix(account: str) -> str:
    return f"login:pair:{len(account)}:{account}:"


def account_key(account: str) -> str:
    return f"login:email:{account}"


def login_keys(account: str, client: str) -> tuple[str, str, str]:
    """(account from client, account, client). The account's length leads the pair key,
    so no account and client can be spelt to collide with another pair."""
    return pair_prefix(account) + client, account_key(account), f"login:client:{client}"


def rate_key(quota: Quota, key: str) -> str:
    """The count of ``key`` (a client address, a user) against ``quota``."""
    return f"rate:{quota.name}:{key}"
