// Finding the openframe-rpc executable.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinaryNotFound } from './errors.js';

export const BINARY_NAME = 'openframe-rpc';
export const ENV_BINARY = 'OPENFRAME_RPC_BIN';

function runnable(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name, pathVariable) {
  for (const directory of (pathVariable ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, name);
    if (runnable(candidate)) return candidate;
  }
  return null;
}

/** `.build/release` then `.build/debug` of the repository this package lives in (used from a clone). */
function repoBuilds() {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fileExists(join(directory, 'Package.swift'))) {
      return [join(directory, '.build', 'release', BINARY_NAME), join(directory, '.build', 'debug', BINARY_NAME)];
    }
    const parent = dirname(directory);
    if (parent === directory) return [];
    directory = parent;
  }
}

function fileExists(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The executable to run: `binary` if given, else $OPENFRAME_RPC_BIN (from `env`, then the process
 * environment), else `openframe-rpc` on PATH, else the repository's .build/release or .build/debug.
 */
export function findBinary(binary, env = {}) {
  if (binary != null) {
    const path = String(binary);
    if (runnable(path)) return resolve(path);
    if (!path.includes(sep)) {
      const found = onPath(path, process.env.PATH);
      if (found) return found;
    }
    throw new BinaryNotFound(`openframe-rpc binary '${path}' does not exist or is not executable`);
  }
  const configured = env?.[ENV_BINARY] || process.env[ENV_BINARY];
  if (configured) {
    if (runnable(configured)) return configured;
    throw new BinaryNotFound(`${ENV_BINARY}='${configured}' does not name an executable file`);
  }
  const found = onPath(BINARY_NAME, process.env.PATH);
  if (found) return found;
  const candidates = repoBuilds();
  for (const candidate of candidates) {
    if (runnable(candidate)) return candidate;
  }
  const looked = [`$${ENV_BINARY}`, `${BINARY_NAME} on PATH`, ...candidates].join(', ');
  throw new BinaryNotFound(
    `could not find the openframe-rpc binary (looked at: ${looked}); pass binary, set ${ENV_BINARY}, ` +
      "or run 'swift build' in the repository",
  );
}
