from domain.shared.errors import InvalidValue

MIN_LENGTH = 8
MAX_LENGTH = 128


def validate_password(password: str, *, field: str = "password") -> None:
    """The password policy: 8 to 128 characters, anything else is the user's choice."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidValue(field, f"A password has {MIN_LENGTH} to {MAX_LENGTH} characters")
