from domain.shared.errors import Conflict


class EmailTaken(Conflict):
    code = "email_taken"
    title = "Email already registered"


class LastAdmin(Conflict):
    code = "last_admin"
    title = "Last active admin"
