"""How an endpoint gets what the container provides: an async dependency that calls the
provider (a singleton: built once, nothing per request) on the app's own container.
Async, so FastAPI never sends it to its thread pool."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from dependency_injector import providers
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from entrypoints.container import Container
from entrypoints.cursors import CursorCodec

T = TypeVar("T")


def use(pick: Callable[[Container], providers.Provider[T]]) -> Any:
    """``Annotated[SignInHandler, use(lambda c: c.users.sign_in)]``."""

    async def dependency(request: Request) -> T:
        container: Container = request.app.state.container
        return pick(container)()

    return Depends(dependency)


async def _no_body(request: Request) -> None:
    if await request.body():
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "This operation takes no body", "type": "extra_forbidden"}]
        )


# On an operation that takes no body: one sent anyway is refused (422), not ignored, so a
# client that meant something by it (``{"status": "paid"}``) learns it did nothing.
NO_BODY = Depends(_no_body)


# The signer of the lists' cursors.
Cursors = Annotated[CursorCodec, use(lambda c: c.core.cursors)]
