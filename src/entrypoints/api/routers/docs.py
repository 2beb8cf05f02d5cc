"""The docs pages, for people: Swagger UI at ``/docs`` (``/`` leads there) and ReDoc at
``/redoc``. Their scripts come from the fastapi-offline package, not a CDN, and a
Content-Security-Policy keeps the browser from fetching anything from elsewhere (ReDoc's
"by Redocly" badge would come from its CDN): they work on a machine without internet."""

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/static-offline-docs"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
_OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# The pages' inline scripts and styles are their own; ReDoc renders in a worker.
_ONLY_THIS_SERVER = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
_SWAGGER_PARAMETERS = {
    "persistAuthorization": True,
    "validatorUrl": None,  # Swagger's online validator badge, another server
}

router = APIRouter(include_in_schema=False)


def _contained(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = _ONLY_THIS_SERVER
    return page


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/docs")


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _contained(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Emporium API",
            oauth2_redirect_url=_OAUTH2_REDIRECT,
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.png",
            swagger_ui_parameters=_SWAGGER_PARAMETERS,
        )
    )


@router.get(_OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return _contained(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _contained(
        get_redoc_html(
            openapi_url="/openapi.json",
            title="Emporium API",
            redoc_js_url=f"{STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC}/favicon.png",
            with_google_fonts=False,
        )
    )


def mount_assets(app: FastAPI) -> None:
    app.mount(STATIC, StaticFiles(directory=_ASSETS), name="docs-assets")
