// The Node client: one openframe-rpc child process speaking NDJSON on its stdin/stdout.
import { spawn } from 'node:child_process';
import { inspect } from 'node:util';
import { findBinary } from './binary.js';
import {
  Cancelled,
  ClientClosed,
  OpenFrameError,
  RequestTimedOut,
  ServerExited,
  errorFromResponse,
} from './errors.js';

export const VERSION = '0.1.0';

const VALIDATE = 'openframe/validate';
const CREATE = 'openframe/createVoiceInteraction';
const UPDATE = 'openframe/updateVoiceInteraction';
const SCHEMA = 'openframe/schema';
// What a client-started server logs unless the host asks for more: warnings and errors, not the
// start-up banner. Start-up failures are written whatever the level, so their reason still reaches
// ServerExited.
const DEFAULT_LOG_LEVEL = 'warning';
const START_OPTIONS = ['binary', 'instance', 'env', 'args', 'initializationOptions', 'logLevel', 'stderr', 'logger', 'startupTimeout', 'trace'];
const CALL_OPTIONS = ['signal', 'timeout'];
const VALIDATE_OPTIONS = ['operation', 'interactionSysId', 'positionEncoding', ...CALL_OPTIONS];
const WRITE_OPTIONS = ['apiVersion', 'onProgress', ...CALL_OPTIONS];
const REQUEST_OPTIONS = ['onProgress', ...CALL_OPTIONS];
const LOG_LEVELS = ['off', 'error', 'warning', 'info', 'debug', 'trace'];
const STDERR_TAIL = 20;
// After `exit`, how long the server may take to answer what is in flight (-32800) and end, even
// when close()'s timeout is used up, before it is killed.
const EXIT_GRACE_MS = 3000;
const LOG_LINE = /^openframe-rpc: (error|warning|info|debug|trace): /;

const defaultLogger = {
  error: (message) => process.stderr.write(`openframe-rpc client: ${message}\n`),
  warn: (message) => process.stderr.write(`openframe-rpc client: ${message}\n`),
  debug: () => {},
};

const normalised = (name) => name.replaceAll('_', '').toLowerCase();

function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The valid option `name` most likely meant: the same but for case and underscores, else the closest spelling. */
export function closestName(name, valid) {
  const exact = valid.find((candidate) => normalised(candidate) === normalised(name));
  if (exact) return exact;
  let best = null;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** A misspelt option would otherwise be ignored without a word (`log_level`, `on_progress`). */
export function checkOptions(where, options, valid) {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new TypeError(`${where}: options must be an object`);
  for (const name of Object.keys(options)) {
    if (valid.includes(name)) continue;
    const suggestion = closestName(name, valid);
    throw new TypeError(
      `${where}: unknown option '${name}'${suggestion ? `; did you mean ${suggestion}?` : `; valid options: ${valid.join(', ')}`}`,
    );
  }
}

/** The URL without user info, query or fragment: safe to show. */
export function redactUrl(url) {
  if (url == null) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '<unparseable URL>';
  }
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function forwardStderr(sink, line) {
  if (sink === undefined || sink === null) {
    process.stderr.write(`${line}\n`);
  } else if (typeof sink === 'function') {
    sink(line);
  } else if (typeof sink.write === 'function') {
    sink.write(`${line}\n`);
  } else if (typeof sink === 'object') {
    // A console-like logger: each line at the level the server wrote it at.
    const level = LOG_LINE.exec(line)?.[1] ?? 'info';
    const method = { error: 'error', warning: 'warn', info: 'info', debug: 'debug', trace: 'debug' }[level];
    (sink[method] ?? sink.info ?? sink.log)?.call(sink, line);
  }
}

/**
 * A connection to one `openframe-rpc serve` process. Create it with `OpenFrameClient.start()`.
 * Calls may overlap freely: answers are routed to their callers by id, progress by token.
 */
export class OpenFrameClient {
  /** Called with (method, params) for notifications other than progress; see durable.js. */
  onNotification = null;
  #child;
  #binary;
  #instance;
  #logger;
  #stderrSink;
  #nextId = 1;
  #pending = new Map(); // id -> {method, resolve, reject, onProgress, cleanup}
  #abandoned = new Map(); // id -> method: answers to drop quietly
  #closed = false;
  #closing = null;
  #death = null;
  #exited; // promise of {exitCode, signal}
  #stdoutRest = [];
  #stderrRest = '';
  #stderrTail = [];
  #refed = true;
  #trace = null;

  /** Use OpenFrameClient.start(). */
  constructor(secret, options) {
    if (secret !== CONSTRUCT) throw new TypeError('use OpenFrameClient.start(options) to create a client');
    const { binary, instance, env, args = [], logLevel, stderr, logger, trace } = options;
    const childEnv = { ...process.env };
    for (const [key, value] of Object.entries(env ?? {})) {
      if (value === undefined || value === null) delete childEnv[key];
      else childEnv[key] = String(value);
    }
    const argv = ['serve', '--framing', 'ndjson'];
    if (instance != null) {
      if (typeof instance !== 'string' || instance === '') throw new TypeError('instance must be a non-empty string: an instance name or URL');
      // It would sit on the command line, where any local user can read it.
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(instance)) {
        throw new TypeError('the instance URL must not contain credentials; pass them in env (e.g. OPENFRAME_USERNAME/OPENFRAME_PASSWORD)');
      }
      argv.push('--instance', instance);
    }
    for (const arg of args) {
      if (typeof arg !== 'string') throw new TypeError('args must be strings');
    }
    if (logLevel != null) {
      if (!LOG_LEVELS.includes(logLevel)) throw new TypeError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
      argv.push('--log-level', logLevel);
    } else if (!args.some((arg) => arg === '--log-level' || arg.startsWith('--log-level='))) {
      argv.push('--log-level', DEFAULT_LOG_LEVEL);
    }
    argv.push(...args);
    this.#binary = findBinary(binary, env ?? {});
    this.#instance = redactUrl(instance);
    this.#logger = { ...defaultLogger, ...(logger ?? {}) };
    this.#stderrSink = stderr;
    this.#trace = typeof trace === 'function' ? trace : null;
    const discardStderr = stderr === 'ignore';
    // The environment goes to the child only; it is not kept on this object.
    this.#child = spawn(this.#binary, argv, {
      stdio: ['pipe', 'pipe', discardStderr ? 'ignore' : 'pipe'],
      env: childEnv,
      windowsHide: true,
    });
    this.#exited = new Promise((resolveExit) => {
      this.#child.once('exit', (exitCode, signal) => resolveExit({ exitCode, signal }));
      this.#child.once('error', () => resolveExit({ exitCode: this.#child.exitCode, signal: this.#child.signalCode }));
    });
    this.#child.once('error', (error) => this.#serverGone(`could not be run: ${error.code ?? error.message}`));
    this.#child.stdin.on('error', () => {}); // EPIPE after a death: the 'close' below reports it
    this.#child.stdout.on('data', (chunk) => this.#onStdout(chunk));
    if (!discardStderr) {
      this.#child.stderr.setEncoding('utf8');
      this.#child.stderr.on('data', (text) => this.#onStderr(text));
    }
    this.#child.once('close', (exitCode, signal) => {
      this.#flushStderr();
      this.#serverGone(null, exitCode, signal);
    });
  }

  /**
   * Spawns `openframe-rpc serve --framing ndjson` and sends `initialize`.
   * Options: binary, instance, env, args, initializationOptions, logLevel, stderr, logger,
   * startupTimeout (ms, default 30000). See index.d.ts.
   */
  static async start(options = {}) {
    checkOptions('OpenFrameClient.start()', options, START_OPTIONS);
    const client = new OpenFrameClient(CONSTRUCT, options);
    try {
      const params = {
        processId: process.pid,
        clientInfo: { name: 'openframe-rpc-node', version: VERSION },
        capabilities: { window: { workDoneProgress: true } },
      };
      if (options.initializationOptions !== undefined) params.initializationOptions = options.initializationOptions;
      const result = await client.#call('initialize', params, { timeout: options.startupTimeout ?? 30000, internal: true });
      client.#notify('initialized', {});
      client.serverInfo = serverInfoFrom(result);
      client.#updateRef();
      return client;
    } catch (error) {
      client.#closed = true;
      client.#closing = client.#exited; // keeps the event loop alive until the child is reaped
      client.#updateRef();
      client.#child.kill('SIGKILL');
      await client.#exited;
      throw error;
    }
  }

  // ---- the openframe methods -------------------------------------------------------------------

  /** Checks a payload (an object) as a create or an update; nothing is sent anywhere. */
  async validate(payload, options = {}) {
    checkOptions('validate()', options, VALIDATE_OPTIONS);
    if (!isPlainObject(payload)) throw new TypeError('validate(payload): payload must be an object (use validateText for JSON text)');
    return this.#validate({ payload }, options);
  }

  /** Checks a payload given as raw JSON text; diagnostics then carry a `range`. */
  async validateText(text, options = {}) {
    checkOptions('validateText()', options, VALIDATE_OPTIONS);
    if (typeof text !== 'string') throw new TypeError('validateText(text): text must be a string');
    return this.#validate({ text }, options);
  }

  async #validate(body, { operation = 'create', interactionSysId, positionEncoding, signal, timeout } = {}) {
    if (operation !== 'create' && operation !== 'update') {
      throw new TypeError(`operation must be 'create' or 'update', not ${JSON.stringify(operation)}`);
    }
    const params = { operation, ...body };
    if (interactionSysId !== undefined) params.interactionSysId = interactionSysId;
    if (positionEncoding !== undefined) params.positionEncoding = positionEncoding;
    const result = await this.#call(VALIDATE, params, { signal, timeout });
    return { valid: result?.valid === true, diagnostics: Array.isArray(result?.diagnostics) ? result.diagnostics : [] };
  }

  /** Creates a voice interaction record: resolves to {status, sysId, number, target}. */
  async createVoiceInteraction(payload, options = {}) {
    checkOptions('createVoiceInteraction()', options, WRITE_OPTIONS);
    const { apiVersion, onProgress, signal, timeout } = options ?? {};
    if (!isPlainObject(payload)) throw new TypeError('createVoiceInteraction(payload): payload must be an object');
    const params = { payload };
    if (apiVersion !== undefined) params.apiVersion = apiVersion;
    return this.#call(CREATE, params, { onProgress, signal, timeout });
  }

  /** Updates the voice interaction `sysId`: resolves to {status, target}. */
  async updateVoiceInteraction(sysId, payload, options = {}) {
    checkOptions('updateVoiceInteraction()', options, WRITE_OPTIONS);
    const { apiVersion, onProgress, signal, timeout } = options ?? {};
    if (typeof sysId !== 'string') throw new TypeError('updateVoiceInteraction(sysId, payload): sysId must be a string');
    if (!isPlainObject(payload)) throw new TypeError('updateVoiceInteraction(sysId, payload): payload must be an object');
    const params = { interactionSysId: sysId, payload };
    if (apiVersion !== undefined) params.apiVersion = apiVersion;
    return this.#call(UPDATE, params, { onProgress, signal, timeout });
  }

  /** Any JSON-RPC request; resolves to the raw result. */
  async request(method, params, options = {}) {
    checkOptions('request()', options, REQUEST_OPTIONS);
    const { onProgress, signal, timeout } = options ?? {};
    return this.#call(method, params, { onProgress, signal, timeout });
  }

  /**
   * The JSON Schema (draft 2020-12) of a create or update payload, or both as {create, update}
   * without an operation: the schemas the validator's rules generate (openframe/schema).
   */
  async schema(operation, options = {}) {
    checkOptions('schema()', options, CALL_OPTIONS);
    if (operation !== undefined && operation !== 'create' && operation !== 'update') {
      throw new TypeError(`schema(operation): operation must be 'create', 'update' or undefined (both), not ${JSON.stringify(operation)}`);
    }
    const { signal, timeout } = options ?? {};
    return this.#call(SCHEMA, operation === undefined ? undefined : { operation }, { signal, timeout });
  }

  // ---- plumbing --------------------------------------------------------------------------------

  #call(method, params, { onProgress, signal, timeout, internal = false } = {}) {
    if (this.#closed && !internal) return Promise.reject(new ClientClosed());
    if (this.#death) return Promise.reject(this.#deathError());
    if (signal?.aborted) {
      return Promise.reject(new Cancelled(-32800, `${method} was not sent: the AbortSignal was already aborted`, null, { cause: signal.reason }));
    }
    if (timeout != null && !(typeof timeout === 'number' && timeout >= 0)) {
      return Promise.reject(new TypeError('timeout must be a number of milliseconds >= 0'));
    }
    const id = this.#nextId++;
    const message = { jsonrpc: '2.0', id, method };
    if (params !== undefined) {
      message.params = onProgress ? { ...params, workDoneToken: id } : params;
    }
    let line;
    try {
      line = `${JSON.stringify(message)}\n`;
    } catch (error) {
      return Promise.reject(error); // e.g. a BigInt or a cycle in the payload
    }
    return new Promise((resolve, reject) => {
      let timer = null;
      const onAbort = () => {
        if (this.#abandon(id)) {
          reject(new Cancelled(-32800, `${method} (request ${id}) was cancelled by its AbortSignal; sent $/cancelRequest${mayHaveActed(method)}`, null, { cause: signal.reason }));
        }
      };
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#pending.set(id, { method, resolve, reject, onProgress, cleanup, callbackFailures: 0 });
      if (timeout != null) {
        timer = setTimeout(() => {
          // Lifecycle requests (shutdown) are not cancelled: close() goes on to exit.
          if (this.#abandon(id, { cancel: !internal })) {
            reject(new RequestTimedOut(null, `${method} (request ${id}) got no answer within ${timeout} ms${internal ? '' : '; sent $/cancelRequest'}${mayHaveActed(method)}`));
          }
        }, timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#updateRef();
      this.#write(line, message);
    });
  }

  #notify(method, params) {
    if (this.#death || !this.#child.stdin.writable) return;
    const message = { jsonrpc: '2.0', method };
    if (params !== undefined) message.params = params;
    this.#write(`${JSON.stringify(message)}\n`, message);
  }

  #write(line, message) {
    if (this.#trace) this.#traced('send', message);
    this.#child.stdin.write(line);
  }

  #traced(direction, message) {
    try {
      this.#trace(direction, message);
    } catch {
      // tracing must not break the client
    }
  }

  /** Stops waiting for `id` and sends $/cancelRequest; false when it was already answered. */
  #abandon(id, { cancel = true } = {}) {
    const pending = this.#pending.get(id);
    if (!pending) return false;
    this.#pending.delete(id);
    pending.cleanup();
    if (!this.#death) {
      this.#abandoned.set(id, { method: pending.method, quiet: !cancel });
      if (cancel) this.#notify('$/cancelRequest', { id });
    }
    this.#updateRef();
    return true;
  }

  #onStdout(chunk) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      let line = chunk.subarray(start, newline);
      if (this.#stdoutRest.length) {
        line = Buffer.concat([...this.#stdoutRest, line]);
        this.#stdoutRest = [];
      }
      start = newline + 1;
      this.#onLine(line);
    }
    if (start < chunk.length) this.#stdoutRest.push(chunk.subarray(start));
  }

  #onLine(bytes) {
    const text = bytes.toString('utf8').trim();
    if (!text) return;
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      this.#logger.warn(`openframe-rpc wrote a line that is not JSON; dropped: ${text.slice(0, 200)}`);
      return;
    }
    if (this.#trace) this.#traced('receive', message);
    for (const item of Array.isArray(message) ? message : [message]) {
      try {
        this.#dispatch(item);
      } catch (error) {
        this.#logger.warn(`error while handling a message from openframe-rpc: ${error?.stack ?? error}`);
      }
    }
  }

  #dispatch(message) {
    if (!isPlainObject(message)) {
      this.#logger.warn('openframe-rpc sent a message that is not an object; dropped');
      return;
    }
    if (typeof message.method === 'string') {
      if ('id' in message) {
        // The server sends no requests today; answer as JSON-RPC asks, so it never waits.
        this.#logger.warn(`openframe-rpc sent a request (${message.method}); answered method not found`);
        const answer = { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `the host does not handle ${message.method}` } };
        this.#write(`${JSON.stringify(answer)}\n`, answer);
      } else if (message.method === '$/progress') {
        this.#progress(message.params);
      } else if (typeof this.onNotification === 'function') {
        // durable.js onOutcome installs this (openframe/delivered, deliveryFailed, outboxPaused).
        try {
          this.onNotification(message.method, message.params);
        } catch (error) {
          this.#logger.warn(`notification handler for ${message.method} threw: ${error}`);
        }
      } else {
        this.#logger.debug(`notification ${message.method} from openframe-rpc ignored`);
      }
      return;
    }
    if (!('result' in message) && !('error' in message)) {
      this.#logger.warn('openframe-rpc sent a message that is neither a response nor a notification; dropped');
      return;
    }
    const id = message.id;
    const pending = Number.isInteger(id) ? this.#pending.get(id) : undefined;
    if (!pending) {
      const abandoned = Number.isInteger(id) ? this.#abandoned.get(id) : undefined;
      if (abandoned !== undefined) {
        this.#abandoned.delete(id);
        if ('error' in message || abandoned.quiet) this.#logger.debug(`answer to abandoned request ${id} (${abandoned.method}) dropped`);
        else this.#logger.warn(`late result of request ${id} (${abandoned.method}), which timed out or was cancelled, dropped: ${JSON.stringify(message.result).slice(0, 300)}`);
      } else if (id === null && 'error' in message) {
        this.#logger.warn(`openframe-rpc reported an error not tied to a request: ${JSON.stringify(message.error).slice(0, 300)}`);
      } else {
        this.#logger.warn(`response to unknown id ${JSON.stringify(id)} dropped`);
      }
      return;
    }
    this.#pending.delete(id);
    pending.cleanup();
    this.#updateRef();
    if ('error' in message) pending.reject(errorFromResponse(message.error));
    else pending.resolve(message.result);
  }

  #progress(params) {
    const token = params?.token;
    const pending = Number.isInteger(token) ? this.#pending.get(token) : undefined;
    if (!pending) {
      this.#logger.debug(`progress for unknown token ${JSON.stringify(token)} dropped`);
      return;
    }
    if (!pending.onProgress) return;
    const value = isPlainObject(params.value) ? params.value : {};
    try {
      const outcome = pending.onProgress({ ...value });
      if (typeof outcome?.then === 'function') {
        Promise.resolve(outcome).catch((error) => this.#callbackFailed(pending, error));
      }
    } catch (error) {
      this.#callbackFailed(pending, error);
    }
  }

  // A progress callback that throws or rejects must not end its call (which may already have
  // created a record) nor the host: the first failure of a call goes to the logger's error, later
  // ones of the same call to its debug.
  #callbackFailed(pending, error) {
    pending.callbackFailures += 1;
    const text = error?.stack ?? String(error);
    try {
      if (pending.callbackFailures === 1) {
        (this.#logger.error ?? this.#logger.warn).call(
          this.#logger,
          `the onProgress callback of ${pending.method} failed; the call goes on (further failures of this call are logged at debug level): ${text}`,
        );
      } else {
        this.#logger.debug(`the onProgress callback of ${pending.method} failed again: ${text}`);
      }
    } catch {
      // a failing logger must not break the client either
    }
  }

  #onStderr(text) {
    const lines = (this.#stderrRest + text).split('\n');
    this.#stderrRest = lines.pop();
    for (const line of lines) this.#stderrLine(line.replace(/\r$/, ''));
  }

  #flushStderr() {
    if (this.#stderrRest) {
      const rest = this.#stderrRest;
      this.#stderrRest = '';
      this.#stderrLine(rest);
    }
  }

  #stderrLine(line) {
    this.#stderrTail.push(line);
    if (this.#stderrTail.length > STDERR_TAIL) this.#stderrTail.shift();
    try {
      forwardStderr(this.#stderrSink, line);
    } catch {
      // a failing sink must not break the client
    }
  }

  #serverGone(how, exitCode = this.#child.exitCode, signal = this.#child.signalCode) {
    if (this.#death) return;
    const pid = this.#child.pid;
    let text;
    if (how) text = `openframe-rpc ${how}`;
    else if (signal) text = `openframe-rpc (pid ${pid}) was killed by ${signal}`;
    else if (exitCode !== null && exitCode !== undefined) text = `openframe-rpc (pid ${pid}) exited with status ${exitCode}`;
    else text = `openframe-rpc (pid ${pid}) stopped answering`;
    const tail = [...this.#stderrTail];
    if (tail.length) text += `; its last words on stderr: ${tail[tail.length - 1].slice(0, 300)}`;
    this.#death = { text, exitCode: exitCode ?? null, signal: signal ?? null, tail };
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    this.#abandoned.clear();
    for (const pending of waiting) {
      pending.cleanup();
      pending.reject(this.#deathError());
    }
    this.#updateRef();
  }

  #deathError() {
    const { text, exitCode, signal, tail } = this.#death;
    return new ServerExited(text, { exitCode, signal, stderrTail: tail });
  }

  // While nothing is pending, the child and its pipes do not keep Node's event loop alive, so a
  // script that ends without close() still ends (the server then sees end of input and exits).
  #updateRef() {
    const want = this.#pending.size > 0 || this.#closing !== null;
    if (want === this.#refed) return;
    this.#refed = want;
    for (const handle of [this.#child, this.#child.stdin, this.#child.stdout, this.#child.stderr]) {
      if (!handle) continue;
      if (want) handle.ref?.();
      else handle.unref?.();
    }
  }

  /**
   * Sends `shutdown` (answered once the calls in flight are answered) and `exit`, then waits for the
   * process. Waits for `shutdown` at most `timeout` ms (default 5000); calls still waiting at `exit`
   * reject with Cancelled; a server still running `timeout` ms after close() began (and at least 3 s
   * after `exit`) is killed. Idempotent; quick when the server is already dead.
   */
  close({ timeout = 5000 } = {}) {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = (async () => {
      this.#updateRef();
      const started = Date.now();
      if (!this.#death) {
        try {
          await this.#call('shutdown', undefined, { timeout, internal: true });
        } catch (error) {
          if (!(error instanceof OpenFrameError)) throw error;
        }
        this.#notify('exit');
      }
      this.#child.stdin.end();
      const grace = Math.max(timeout - (Date.now() - started), EXIT_GRACE_MS);
      let timer;
      const killed = new Promise((resolveKill) => {
        timer = setTimeout(() => {
          this.#logger.warn(`openframe-rpc (pid ${this.#child.pid}) did not exit in time; killing it`);
          this.#child.kill('SIGKILL');
          resolveKill();
        }, grace);
      });
      await Promise.race([this.#exited, killed]);
      clearTimeout(timer);
      await this.#exited;
      // 'close' (all output read) follows 'exit' closely; make sure nothing is left waiting.
      if (!this.#death) await new Promise((resolveClose) => this.#child.once('close', resolveClose));
      for (const pending of this.#pending.values()) {
        pending.cleanup();
        pending.reject(new ClientClosed());
      }
      this.#pending.clear();
    })();
    return this.#closing;
  }

  /** The server's process id. */
  get pid() {
    return this.#child.pid;
  }

  get closed() {
    return this.#closed;
  }

  /** True while the server process runs and answers. */
  get alive() {
    return !this.#closed && !this.#death;
  }

  /** The server's exit status once it has ended (null while it runs or when killed by a signal). */
  get exitCode() {
    return this.#child.exitCode;
  }

  /** The signal that ended the server, if any. */
  get signalCode() {
    return this.#child.signalCode;
  }

  /** Sends one raw line to the server (tests use it to play a misbehaving host). */
  sendRaw(line) {
    this.#child.stdin.write(line.endsWith('\n') ? line : `${line}\n`);
  }

  [inspect.custom]() {
    const state = this.#closed ? 'closed' : this.#death ? 'server exited' : 'open';
    return `OpenFrameClient { pid: ${this.#child.pid}, binary: '${this.#binary}', instance: ${this.#instance ? `'${this.#instance}'` : null}, ${state} }`;
  }

  toJSON() {
    return { pid: this.#child.pid, binary: this.#binary, instance: this.#instance, closed: this.#closed, alive: this.alive };
  }
}

const CONSTRUCT = Symbol('construct');

// `await using client = await OpenFrameClient.start()` where the runtime has explicit resource management.
if (typeof Symbol.asyncDispose === 'symbol') {
  Object.defineProperty(OpenFrameClient.prototype, Symbol.asyncDispose, {
    value: function asyncDispose() {
      return this.close();
    },
    writable: true,
    configurable: true,
  });
}

function mayHaveActed(method) {
  return method === CREATE || method === UPDATE ? ' (the instance may still have acted on it)' : '';
}

function serverInfoFrom(result) {
  const info = isPlainObject(result?.serverInfo) ? result.serverInfo : {};
  const capabilities = isPlainObject(result?.capabilities) ? result.capabilities : {};
  const openframe = isPlainObject(capabilities.experimental?.openframe) ? capabilities.experimental.openframe : {};
  const methods = openframe.methods;
  return {
    name: typeof info.name === 'string' ? info.name : '',
    version: typeof info.version === 'string' ? info.version : '',
    methods: Array.isArray(methods) ? methods.filter((m) => typeof m === 'string') : [],
    target: typeof openframe.target === 'string' ? openframe.target : null,
    targetName: typeof openframe.targetName === 'string' ? openframe.targetName : null,
    capabilities,
  };
}
