from domain.users.email import Email
from domain.users.errors import EmailTaken, LastAdmin
from domain.users.password import validate_password
from domain.users.refresh_token import RefreshToken, RevokeReason
from domain.users.user import Role, User

__all__ = [
    "Email",
    "EmailTaken",
    "LastAdmin",
    "RefreshToken",
    "RevokeReason",
    "Role",
    "User",
    "validate_password",
]
