// The errors the client rejects with. Every one is an OpenFrameError. Errors answered by the server
// carry its JSON-RPC `code`, `message` and `data`; errors found by the client itself (the server
// died, the client is closed, the binary is missing) have `code` null.
//
// No message ever includes a credential: the client never puts environment values or
// initializationOptions into one, and the server never puts credentials into its own.

// Every error code the server sends, named as protocol.md's Error codes table names them; the Swift
// test ProtocolDocumentTests checks that the two agree (and index.d.ts).
export const ErrorCodes = Object.freeze({
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  InstanceError: -33001,
  InstanceUnreachable: -33002,
  OutboxUnavailable: -33010,
  DeliveryParked: -33011,
  RequestCancelled: -32800,
});

export class OpenFrameError extends Error {
  constructor(code, message, data = null, options = undefined) {
    super(message, options);
    this.name = new.target.name;
    this.code = code ?? null;
    this.data = data ?? null;
  }
}

/** -32602: the params were not as the method expects; the message names the member. */
export class InvalidParams extends OpenFrameError {}

/** -32602 with data.diagnostics: the payload has a validation error, so it was never sent. */
export class PayloadInvalid extends InvalidParams {
  constructor(code, message, data) {
    super(code, message, data);
    const raw = data && Array.isArray(data.diagnostics) ? data.diagnostics : [];
    this.diagnostics = raw.filter((d) => d && typeof d === 'object');
  }

  /** Only the diagnostics whose severity is "error". */
  get errors() {
    return this.diagnostics.filter((d) => d.severity === 'error');
  }
}

/** -32601: the server does not offer this method (an older server). */
export class MethodNotFound extends OpenFrameError {}

/**
 * -33001: the instance answered, but not with success. `httpStatus` is its HTTP status,
 * `instanceMessage` and `detail` its own error message and detail; `message` is the server's sentence.
 */
export class InstanceError extends OpenFrameError {
  constructor(code, message, data) {
    super(code, message, data);
    const error = data && typeof data.error === 'object' && data.error !== null ? data.error : {};
    this.httpStatus = Number.isInteger(data?.httpStatus) ? data.httpStatus : null;
    this.instanceMessage = typeof error.message === 'string' ? error.message : message;
    this.detail = typeof error.detail === 'string' ? error.detail : null;
  }
}

/** -33002: no usable answer from the instance (unreachable, TLS, timeout); `reason` says which. */
export class InstanceUnreachable extends OpenFrameError {
  constructor(code, message, data) {
    super(code, message, data);
    this.reason = typeof data?.reason === 'string' ? data.reason : message;
  }
}

/** -32800: the request was cancelled (an AbortSignal, $/cancelRequest, or exit while in flight). */
export class Cancelled extends OpenFrameError {}

/** The call's `timeout` passed: $/cancelRequest was sent and the call stopped waiting. */
export class RequestTimedOut extends Cancelled {}

/** -32603: a bug in the server. */
export class InternalError extends OpenFrameError {}

/**
 * The server process ended (or its pipes broke). Every waiting call rejects with this at once.
 * `exitCode` and `signal` as Node reports them; `stderrTail` the server's last stderr lines.
 */
export class ServerExited extends OpenFrameError {
  constructor(message, { exitCode = null, signal = null, stderrTail = [] } = {}) {
    super(null, message, { exitCode, signal });
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = [...stderrTail];
  }
}

/** A call was made after close(). */
export class ClientClosed extends OpenFrameError {
  constructor(message = 'the OpenFrameClient is closed; start a new client to make more calls') {
    super(null, message);
  }
}

/** No openframe-rpc executable was found where the client looked. */
export class BinaryNotFound extends OpenFrameError {
  constructor(message) {
    super(null, message);
  }
}

const byCode = new Map([
  [ErrorCodes.MethodNotFound, MethodNotFound],
  [ErrorCodes.InstanceError, InstanceError],
  [ErrorCodes.InstanceUnreachable, InstanceUnreachable],
  [ErrorCodes.RequestCancelled, Cancelled],
  [ErrorCodes.InternalError, InternalError],
]);

/** The error for a JSON-RPC `error` member. */
export function errorFromResponse(error) {
  if (!error || typeof error !== 'object') {
    return new OpenFrameError(null, `malformed error answer from the server: ${JSON.stringify(error)}`);
  }
  const code = Number.isInteger(error.code) ? error.code : null;
  const message = typeof error.message === 'string' ? error.message : `error ${code}`;
  const data = error.data ?? null;
  if (code === ErrorCodes.InvalidParams) {
    if (data && Array.isArray(data.diagnostics)) return new PayloadInvalid(code, message, data);
    return new InvalidParams(code, message, data);
  }
  const Class = byCode.get(code) ?? OpenFrameError;
  return new Class(code, message, data);
}
