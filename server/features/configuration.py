"""Settings: ``initializationOptions`` and ``workspace/didChangeConfiguration``."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from mindconverter.server.guard import guarded
from mindconverter.server.server import MindConverterServer
from mindconverter.server.settings import merge

SECTION = "mindconverter"


def apply_settings(ls: MindConverterServer, payload: Any) -> bool:
    """Merge a settings payload into the server's settings, logging invalid values.

    Returns:
        Whether anything changed.
    """
    new, problems = merge(ls.settings, payload)
    for problem in problems:
        ls.log(f"mindconverter settings: {problem}", types.MessageType.Warning)
    changed = new != ls.settings
    ls.settings = new
    return changed


def on_initialize(ls: MindConverterServer, params: types.InitializeParams) -> None:
    """Read the settings sent with ``initialize``."""
    if params.initialization_options is not None:
        apply_settings(ls, params.initialization_options)


async def on_did_change_configuration(
    ls: MindConverterServer, params: types.DidChangeConfigurationParams
) -> None:
    """Apply new settings (pushed, or pulled when the client sends none) and re-check."""
    payload = params.settings
    if not payload and _can_pull(ls):
        items = [types.ConfigurationItem(section=SECTION)]
        pulled = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
        payload = pulled[0] if pulled else None
    if payload and apply_settings(ls, payload):
        from mindconverter.server.features.diagnostics import refresh_all

        refresh_all(ls)


def _can_pull(ls: MindConverterServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


def register(server: MindConverterServer) -> None:
    """Register the configuration handlers."""
    server.feature(types.INITIALIZE)(guarded(on_initialize))
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(guarded(on_did_change_configuration))
