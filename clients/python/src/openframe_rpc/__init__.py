"""Python host client for openframe-rpc, the JSON-RPC service for ServiceNow openframe voice
interactions.

    from openframe_rpc import OpenFrameClient

    with OpenFrameClient() as client:
        created = client.create_voice_interaction({"interaction": {"userPhoneNumber": "+14089965744"}})
        client.update_voice_interaction(created.sys_id, {"interaction": {"clientSessionId": "abc"}})  # interaction is required

See README.md next to this package, and protocol.md in the repository for the wire contract.
"""

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    BinaryNotFound,
    Cancelled,
    ClientClosed,
    InstanceError,
    InstanceUnreachable,
    InternalError,
    InvalidParams,
    MethodNotFound,
    OpenFrameError,
    PayloadInvalid,
    RequestTimedOut,
    ServerExited,
)
from .types import (  # noqa: E402
    CreateResult,
    Diagnostic,
    Fix,
    Position,
    Progress,
    JSONSchema,
    Range,
    Schemas,
    ServerInfo,
    UpdateResult,
    ValidationResult,
)
from ._binary import find_binary  # noqa: E402
from .client import OpenFrameClient  # noqa: E402
from .aio import AsyncOpenFrameClient  # noqa: E402

__all__ = [
    "__version__",
    "OpenFrameClient",
    "AsyncOpenFrameClient",
    "find_binary",
    # results
    "ValidationResult",
    "Diagnostic",
    "Fix",
    "Range",
    "Position",
    "CreateResult",
    "UpdateResult",
    "Progress",
    "ServerInfo",
    "Schemas",
    "JSONSchema",
    # errors
    "OpenFrameError",
    "InvalidParams",
    "PayloadInvalid",
    "MethodNotFound",
    "InstanceError",
    "InstanceUnreachable",
    "Cancelled",
    "RequestTimedOut",
    "InternalError",
    "ServerExited",
    "ClientClosed",
    "BinaryNotFound",
]
