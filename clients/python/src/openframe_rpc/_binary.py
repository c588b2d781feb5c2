"""Finding the openframe-rpc executable."""

import os
import shutil
from pathlib import Path
from typing import List, Mapping, Optional, Union

from .errors import BinaryNotFound

BINARY_NAME = "openframe-rpc"
ENV_BINARY = "OPENFRAME_RPC_BIN"


def _repo_builds() -> List[Path]:
    """``.build/release`` then ``.build/debug`` of the repository this package lives in (when it is
    used from a clone), found by walking up to the directory that holds ``Package.swift``."""
    here = Path(__file__).resolve().parent
    for directory in [here, *here.parents]:
        if (directory / "Package.swift").is_file():
            return [directory / ".build" / "release" / BINARY_NAME, directory / ".build" / "debug" / BINARY_NAME]
    return []


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(str(path), os.X_OK)


def find_binary(binary: Union[str, "os.PathLike[str]", None] = None, env: Optional[Mapping[str, str]] = None) -> str:
    """The executable to run: ``binary`` if given, else ``$OPENFRAME_RPC_BIN`` (looked up in ``env``,
    then in the process environment), else ``openframe-rpc`` on ``PATH``, else the repository's
    ``.build/release`` or ``.build/debug``."""
    if binary is not None:
        path = Path(os.fspath(binary))
        if _runnable(path):
            return str(path)
        found = shutil.which(str(path)) if os.sep not in str(path) else None
        if found:
            return found
        raise BinaryNotFound("openframe-rpc binary %r does not exist or is not executable" % (str(path),))
    configured = (env or {}).get(ENV_BINARY) or os.environ.get(ENV_BINARY)
    if configured:
        if _runnable(Path(configured)):
            return configured
        raise BinaryNotFound(
            "%s=%r does not name an executable file" % (ENV_BINARY, configured)
        )
    on_path = shutil.which(BINARY_NAME)
    if on_path:
        return on_path
    candidates = _repo_builds()
    for candidate in candidates:
        if _runnable(candidate):
            return str(candidate)
    looked = ["$%s" % ENV_BINARY, "%s on PATH" % BINARY_NAME] + [str(c) for c in candidates]
    raise BinaryNotFound(
        "could not find the openframe-rpc binary (looked at: %s); pass binary=, set %s, "
        "or run 'swift build' in the repository" % (", ".join(looked), ENV_BINARY)
    )
