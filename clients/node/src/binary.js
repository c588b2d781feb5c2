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

/** Where a package built by scripts/dist carries the server: under the package, found from this module. */
export const BUNDLED = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', BINARY_NAME);
const PACKAGE_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * The nearest directory at or above `start` that is a clone of this repository (its Package.swift
 * beside Sources/openframe-rpc; another Swift package is not ours), or null.
 */
function cloneRoot(start) {
  let directory = resolve(start);
  for (;;) {
    if (fileExists(join(directory, 'Package.swift')) && isDirectory(join(directory, 'Sources', BINARY_NAME))) return directory;
    const parent = dirname(directory);
    if (parent === directory) return null;
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

function isDirectory(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The executable to run, in this order (the same as the Python client's): `binary` if given, else
 * $OPENFRAME_RPC_BIN (from `env`, then the process environment), else the bundled binary, else
 * `openframe-rpc` on PATH, else a clone's .build/release or .build/debug, looked for above the
 * current directory and above this module. BinaryNotFound lists every place tried.
 */
export function findBinary(binary, env = {}, { bundled = BUNDLED, packageDir = PACKAGE_DIR } = {}) {
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
  const tried = [`$${ENV_BINARY}: not set`];
  if (runnable(bundled)) return resolve(bundled);
  tried.push(`the bundled binary ${resolve(bundled)}: not there (packages built by scripts/dist carry one)`);
  const found = onPath(BINARY_NAME, process.env.PATH);
  if (found) return found;
  tried.push(`${BINARY_NAME} on PATH: not found`);
  const candidates = [];
  const notes = [];
  for (const start of [process.cwd(), packageDir]) {
    const root = cloneRoot(start);
    if (root === null) {
      notes.push(`no clone of the repository at or above ${resolve(start)}`);
      continue;
    }
    for (const build of ['release', 'debug']) {
      const candidate = join(root, '.build', build, BINARY_NAME);
      if (!candidates.includes(candidate)) candidates.push(candidate);
    }
  }
  for (const candidate of candidates) {
    if (runnable(candidate)) return candidate;
    tried.push(`${candidate}: not built`);
  }
  tried.push(...notes);
  throw new BinaryNotFound(
    `could not find the openframe-rpc binary; tried, in order:\n  - ${tried.join('\n  - ')}\n` +
      `Pass the binary option, set ${ENV_BINARY}, install a package built by scripts/dist (it bundles the server), ` +
      "or run 'swift build' in a clone of the repository",
  );
}
