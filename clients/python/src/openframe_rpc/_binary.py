"""Finding the openframe-rpc executable.

The order, the same in the Node client: the ``binary`` argument, ``$OPENFRAME_RPC_BIN``, the binary
bundled in this package (wheels built by ``scripts/dist`` carry one), ``openframe-rpc`` on ``PATH``,
then ``.build/release`` and ``.build/debug`` of a clone of the repository, looked for above the
current directory and above this package. ``BinaryNotFound`` lists every place tried.
"""

import os
import shutil
from pathlib import Path
from typing import List, Mapping, Optional, Tuple, Union

from .errors import BinaryNotFound

BINARY_NAME = "openframe-rpc"
ENV_BINARY = "OPENFRAME_RPC_BIN"

PACKAGE_DIR = Path(__file__).resolve().parent
#: Where a wheel built by scripts/dist puts the server: inside the package, so it moves with it.
BUNDLED = PACKAGE_DIR / "bin" / BINARY_NAME


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(str(path), os.X_OK)


def _clone_root(start: Path) -> Optional[Path]:
    """The nearest directory at or above ``start`` that is a clone of this repository (its
    ``Package.swift`` beside ``Sources/openframe-rpc``; another Swift package is not ours)."""
    for directory in [start, *start.parents]:
        if (directory / "Package.swift").is_file() and (directory / "Sources" / BINARY_NAME).is_dir():
            return directory
    return None


def _clone_candidates(starts: List[Path]) -> Tuple[List[Path], List[str]]:
    """The ``.build`` binaries of the clones above ``starts`` (each clone once), and a note for
    every start where no clone was found."""
    candidates: List[Path] = []
    notes: List[str] = []
    for start in starts:
        root = _clone_root(start)
        if root is None:
            notes.append("no clone of the repository at or above %s" % start)
            continue
        for build in ("release", "debug"):
            candidate = root / ".build" / build / BINARY_NAME
            if candidate not in candidates:
                candidates.append(candidate)
    return candidates, notes


def find_binary(binary: Union[str, "os.PathLike[str]", None] = None, env: Optional[Mapping[str, str]] = None) -> str:
    """The executable to run: ``binary`` if given, else ``$OPENFRAME_RPC_BIN`` (looked up in ``env``,
    then in the process environment), else the bundled binary, else ``openframe-rpc`` on ``PATH``,
    else a clone's ``.build/release`` or ``.build/debug`` (above the current directory, then above
    this package)."""
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
        raise BinaryNotFound("%s=%r does not name an executable file" % (ENV_BINARY, configured))
    tried = ["$%s: not set" % ENV_BINARY]
    if _runnable(BUNDLED):
        return str(BUNDLED)
    tried.append("the bundled binary %s: not there (wheels built by scripts/dist carry one)" % BUNDLED)
    on_path = shutil.which(BINARY_NAME)
    if on_path:
        return on_path
    tried.append("%s on PATH: not found" % BINARY_NAME)
    starts = [Path.cwd().resolve(), PACKAGE_DIR]
    candidates, notes = _clone_candidates(starts)
    for candidate in candidates:
        if _runnable(candidate):
            return str(candidate)
        tried.append("%s: not built" % candidate)
    tried.extend(notes)
    raise BinaryNotFound(
        "could not find the openframe-rpc binary; tried, in order:\n  - %s\n"
        "Pass binary=, set %s, install a wheel built by scripts/dist (it bundles the server), "
        "or run 'swift build' in a clone of the repository" % ("\n  - ".join(tried), ENV_BINARY)
    )
