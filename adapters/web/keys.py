"""Typed keys of the dashboard's aiohttp application."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.web.limits import AddressLimit
from adapters.web.settings import WebSettings
from bot.kernel.app import App
from bot.kernel.signins import SignInProvider

APP = web.AppKey("crossings", App)
CFG = web.AppKey("cfg", WebSettings)
BASE = web.AppKey("base", str)  # the dashboard's address, as browsers see it
BASE_PATH = web.AppKey("base_path", str)  # the path it is mounted under
CSP = web.AppKey("csp", str)
LIMITS = web.AppKey("signin_limits", AddressLimit)  # sign-in attempts per client address
# Sign-in providers the platform adapters contribute, by name (every installed one).
PROVIDERS = web.AppKey("signin_providers", dict[str, SignInProvider])
# Directory feeds uploaded and waiting for their import to be confirmed: token -> (page, file).
UPLOADS = web.AppKey("directory_uploads", dict[str, Any])
