from domain.shared.errors import DomainError


class EmailTaken(DomainError):
    code = "email_taken"
    title = "Email already registered"


class LastAdmin(DomainError):
    code = "last_admin"
    title = "Last active admin"
