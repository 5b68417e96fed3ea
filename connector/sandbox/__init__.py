"""A local stand-in for the parts of HubSpot's public API leadflow uses.

Public names: `World` (the in-memory portal), `SandboxOptions`, `create_app`,
`SandboxServer`, `running_sandbox` (tests), `DEMO_TOKEN`, `DEMO_CLIENT_SECRET`.
See docs/sandbox.md for what is served and how sure each shape is.
"""

from connector.sandbox.server import (
    DEMO_CLIENT_SECRET,
    DEMO_TOKEN,
    SandboxOptions,
    SandboxServer,
    create_app,
)
from connector.sandbox.testing import running_sandbox
from connector.sandbox.world import World

__all__ = [
    "DEMO_CLIENT_SECRET",
    "DEMO_TOKEN",
    "SandboxOptions",
    "SandboxServer",
    "World",
    "create_app",
    "running_sandbox",
]
