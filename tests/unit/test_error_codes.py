import importlib
import pkgutil

import application
import domain
import entrypoints
from domain.shared.errors import DomainError
from entrypoints.api.problems import STATUS_BY_CODE


def _all_subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct} | _all_subclasses(direct)}


def test_every_error_the_code_can_raise_has_an_http_status() -> None:
    for package in (domain, application, entrypoints):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    unmapped = {
        e.__name__: e.code for e in _all_subclasses(DomainError) if e.code not in STATUS_BY_CODE
    }
    assert unmapped == {}
