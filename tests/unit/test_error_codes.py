import importlib
import pkgutil

import pytest

import application
import domain
import entrypoints
from domain.shared.errors import DomainError
from entrypoints.api.problems import status_of


def _all_subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct} | _all_subclasses(direct)}


def test_every_error_the_code_can_raise_belongs_to_a_family_with_a_status() -> None:
    for package in (domain, application, entrypoints):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    homeless = []
    for error in _all_subclasses(DomainError):
        try:
            status_of(error)
        except LookupError:
            homeless.append(error.__name__)
    assert homeless == []


def test_an_error_outside_every_family_has_no_status() -> None:
    class Stray(DomainError):
        pass

    with pytest.raises(LookupError):
        status_of(Stray)
