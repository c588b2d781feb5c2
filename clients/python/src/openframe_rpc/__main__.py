"""``openframe-rpc`` on the PATH of an environment that installed a wheel built by ``scripts/dist``
(its console entry point), and ``python -m openframe_rpc``: runs the server binary with the same
arguments, in place of this process, so stdin, stdout, stderr and the exit status are the server's."""

import os
import sys
from typing import List, Optional

from ._binary import BUNDLED, find_binary
from .errors import BinaryNotFound

# Set while this shim runs the server it found: a shim that found another shim on PATH stops there
# instead of running itself in a loop.
_GUARD = "OPENFRAME_RPC_SHIM"


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if os.access(str(BUNDLED), os.X_OK):
        path = str(BUNDLED)
    elif os.environ.get(_GUARD):
        sys.stderr.write("openframe-rpc: this installation has no bundled server, and the one found on PATH is this shim again\n")
        return 2
    else:
        try:
            path = find_binary()
        except BinaryNotFound as error:
            sys.stderr.write("openframe-rpc: %s\n" % error)
            return 2
        os.environ[_GUARD] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(path, [path] + args)
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main())
