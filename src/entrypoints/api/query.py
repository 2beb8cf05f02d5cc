"""A list's query string, taken as one pydantic model and validated in one call.

FastAPI validates each query parameter on its own, and inspects its annotation again on
every request to do it: about 15 µs a parameter on the benchmark machine, where pydantic
validates the eight of the catalog's list at once in 4 µs (docs/benchmarks.md). So a
route with several query parameters declares them as a model:
``query: Annotated[ProductListIn, query_string(ProductListIn)]``. The OpenAPI document
still lists them one by one, from the model's fields, as FastAPI would
(``parameters``, used by entrypoints.api.openapi)."""

from typing import Any, Generic, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
_REF = "#/components/schemas/{model}"


class QueryString(Generic[M]):
    """The dependency: the query string as ``model``, a name given twice taken at its
    last value (as FastAPI takes it), other names ignored; if it is not one, a 422
    ``validation_error`` whose locations are ``["query", name]``."""

    def __init__(self, model: type[M]) -> None:
        self.model = model

    async def __call__(self, request: Request) -> M:
        try:
            return self.model.model_validate(dict(request.query_params))
        except ValidationError as error:
            raise RequestValidationError(
                [{**issue, "loc": ("query", *issue["loc"])} for issue in error.errors()]
            ) from None


def query_string(model: type[M]) -> Any:
    return Depends(QueryString(model))


def parameters(dependant: Dependant) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The query-string parameters a route takes as a model, as its operation lists
    them, and the schemas they refer to."""
    found: list[dict[str, Any]] = []
    schemas: dict[str, Any] = {}
    for dependency in dependant.dependencies:
        if not isinstance(dependency.call, QueryString):
            continue
        model: type[BaseModel] = dependency.call.model
        document = model.model_json_schema(ref_template=_REF)
        schemas |= document.pop("$defs", {})
        for name, field in model.model_fields.items():
            schema = document["properties"][name]
            if schema.get("default", ...) is None:
                del schema["default"]  # as FastAPI: absent is null
            if "$ref" not in schema:  # titled as FastAPI titles its parameters
                schema.setdefault("title", name.replace("_", " ").title())
            parameter = {
                "name": name,
                "in": "query",
                "required": field.is_required(),
                "schema": schema,
            }
            if field.description:
                parameter["description"] = field.description
            found.append(parameter)
    return found, schemas
