// Type declarations for the openframe-rpc Node client.

/** A JSON value. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
export type JSONObject = { [key: string]: JSONValue };

/** The `interaction` member of a payload: the voice interaction record's parameters. */
export interface InteractionParameters {
  userPhoneNumber?: string;
  callbackPhoneNumber?: string;
  clientSessionId?: string;
  inboundId?: string;
  additionalParams?: { [field: string]: JSONValue };
  /** Other members are sent as they are (the server warns about unknown ones). */
  [member: string]: unknown;
}

interface PayloadMembers {
  interactionContext?: { [name: string]: JSONValue };
  phoneLogs?: Array<{ [field: string]: JSONValue }>;
  relatedRecords?: Array<{ documentTable: string; documentId: string; [member: string]: JSONValue }>;
  [member: string]: unknown;
}

/** A create payload: `interaction` with `userPhoneNumber` is required (the API reference). */
export interface CreatePayload extends PayloadMembers {
  interaction: InteractionParameters & { userPhoneNumber: string };
}

/** An update payload: `interaction` is required on update too, with at least one parameter. */
export interface UpdatePayload extends PayloadMembers {
  interaction: InteractionParameters;
}

/** A voice-interaction payload, create or update. */
export type VoiceInteractionPayload = CreatePayload | UpdatePayload;

/** A JSON Schema (draft 2020-12) document, as openframe/schema returns it. */
export type JSONSchema = JSONObject;

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Fix =
  | { title: string; replaceValue: JSONValue }
  | { title: string; renameKey: string };

export interface Diagnostic {
  severity: 'error' | 'warning' | 'information';
  /** A stable kebab-case code such as "invalid-phone-number": match on it, not on the message. */
  code: string;
  message: string;
  /** An RFC 6901 JSON pointer into the payload ("" for the root). */
  path: string;
  /** Only when the payload was given as text. */
  range?: Range;
  fix?: Fix;
}

export interface ValidationResult {
  /** True exactly when no diagnostic is an error. */
  valid: boolean;
  diagnostics: Diagnostic[];
}

export type Target = 'instance' | 'sandbox';

export interface CreateResult {
  status: string;
  sysId: string;
  number: string;
  target: Target;
  [member: string]: JSONValue;
}

export interface UpdateResult {
  status: string;
  target: Target;
  [member: string]: JSONValue;
}

export interface Progress {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
}

export interface ServerInfo {
  name: string;
  version: string;
  /** The openframe methods this server offers. */
  methods: string[];
  /** Where creates and updates go, when the server says: "instance" or "sandbox". */
  target: Target | null;
  /** The instance URL or the sandbox, for people (never a credential). */
  targetName: string | null;
  capabilities: JSONObject;
}

/** Where the server's stderr lines go. */
export type StderrSink =
  | 'ignore'
  | ((line: string) => void)
  | { write(text: string): unknown }
  | { error?(line: string): void; warn?(line: string): void; info?(line: string): void; debug?(line: string): void; log?(line: string): void };

export interface Logger {
  /** A progress callback that threw or rejected (once per call). Default: process.stderr. */
  error(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface StartOptions {
  /** The executable; default $OPENFRAME_RPC_BIN, else openframe-rpc on PATH, else the repository's .build/release or .build/debug. */
  binary?: string;
  /** The instance base URL (--instance). Without it the server uses $OPENFRAME_INSTANCE, else its embedded sandbox. */
  instance?: string;
  /** Added to the child's environment (null/undefined removes a variable). Credentials go here; they are never kept or shown. */
  env?: { [name: string]: string | null | undefined };
  /** Extra server command-line options. */
  args?: string[];
  /**
   * Sent in initialize: {instance?: string, auth?: {type: 'basic', username, password} | {type: 'bearer', token}
   * | {type: 'oauth', clientId, clientSecret, username?, password?} | {type: 'apiKey', key} | {type: 'none'}}.
   */
  initializationOptions?: JSONObject;
  /** The server's --log-level; default 'warning', which keeps the start-up banner off the host's stderr. */
  logLevel?: 'off' | 'error' | 'warning' | 'info' | 'debug' | 'trace';
  /** Where the server's stderr goes; default the host's process.stderr. */
  stderr?: StderrSink;
  /** Where the client's own notes go (failing progress callbacks, unknown ids, late answers); default process.stderr. */
  logger?: Partial<Logger>;
  /** Milliseconds to wait for initialize's answer (default 30000). */
  startupTimeout?: number;
  /** Called with every message sent ('send') and received ('receive'), for debugging. */
  trace?: (direction: 'send' | 'receive', message: JSONValue) => void;
}

export interface CallOptions {
  /** Aborting it sends $/cancelRequest and rejects the call with Cancelled. */
  signal?: AbortSignal;
  /** Milliseconds; when it passes, $/cancelRequest is sent and the call rejects with RequestTimedOut. */
  timeout?: number;
}

export interface ValidateOptions extends CallOptions {
  operation?: 'create' | 'update';
  interactionSysId?: string;
  positionEncoding?: 'utf-16' | 'utf-8';
}

export interface WriteOptions extends CallOptions {
  /** e.g. "v1"; default: the instance's latest. */
  apiVersion?: string;
  /**
   * Called with each $/progress value of this call, before the call resolves. If it throws (or its
   * promise rejects), the failure is reported once on the logger's `error` and the call goes on.
   */
  onProgress?: (progress: Progress) => void | Promise<void>;
}

export declare const VERSION: string;

export declare class OpenFrameClient {
  private constructor();
  /** Spawns `openframe-rpc serve --framing ndjson` and sends initialize. */
  static start(options?: StartOptions): Promise<OpenFrameClient>;
  readonly serverInfo: ServerInfo;
  readonly pid: number;
  readonly closed: boolean;
  readonly alive: boolean;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  validate(payload: VoiceInteractionPayload | JSONObject, options?: ValidateOptions): Promise<ValidationResult>;
  validateText(text: string, options?: ValidateOptions): Promise<ValidationResult>;
  createVoiceInteraction(payload: CreatePayload, options?: WriteOptions): Promise<CreateResult>;
  updateVoiceInteraction(sysId: string, payload: UpdatePayload, options?: WriteOptions): Promise<UpdateResult>;
  /** The JSON Schema of one payload kind. */
  schema(operation: 'create' | 'update', options?: CallOptions): Promise<JSONSchema>;
  /** Both payload schemas. */
  schema(operation?: undefined, options?: CallOptions): Promise<{ create: JSONSchema; update: JSONSchema }>;
  /** Any JSON-RPC request; resolves to the raw result. */
  /** Called with (method, params) for notifications other than progress (see durable.onOutcome). */
  onNotification: ((method: string, params: JSONValue) => void) | null;
  request(method: string, params?: JSONValue, options?: CallOptions & { onProgress?: (progress: Progress) => void | Promise<void> }): Promise<JSONValue>;
  /** shutdown, exit, and the process reaped (killed if it overstays). Idempotent. */
  close(options?: { timeout?: number }): Promise<void>;
  /** `await using client = await OpenFrameClient.start()`: close() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
  /** Writes one raw line to the server (for tests). */
  sendRaw(line: string): void;
  toJSON(): { pid: number; binary: string; instance: string | null; closed: boolean; alive: boolean };
}

/**
 * The executable start() would run: `binary`, else $OPENFRAME_RPC_BIN, else the bundled binary, else
 * openframe-rpc on PATH, else a clone's .build (above the current directory, then above this module).
 */
export declare function findBinary(binary?: string, env?: { [name: string]: string | null | undefined }): string;

export declare const ErrorCodes: Readonly<{
  ParseError: -32700;
  InvalidRequest: -32600;
  MethodNotFound: -32601;
  InvalidParams: -32602;
  InternalError: -32603;
  InstanceError: -33001;
  InstanceUnreachable: -33002;
  OutboxUnavailable: -33010;
  DeliveryParked: -33011;
  RequestCancelled: -32800;
}>;

/** Base of every error; `code` is the JSON-RPC code, null for errors found by the client. */
export declare class OpenFrameError extends Error {
  readonly code: number | null;
  readonly data: JSONValue | { exitCode: number | null; signal: string | null } | null;
}
/** -32602: params not as the method expects. */
export declare class InvalidParams extends OpenFrameError {}
/** -32602 with diagnostics: the payload has errors and was not sent. */
export declare class PayloadInvalid extends InvalidParams {
  readonly diagnostics: Diagnostic[];
  readonly errors: Diagnostic[];
}
/** -32601. */
export declare class MethodNotFound extends OpenFrameError {}
/** -33001: the instance answered with a failure. */
export declare class InstanceError extends OpenFrameError {
  readonly httpStatus: number | null;
  readonly instanceMessage: string;
  readonly detail: string | null;
}
/** -33002: the instance could not be reached. */
export declare class InstanceUnreachable extends OpenFrameError {
  readonly reason: string;
}
/** -32800, or an aborted AbortSignal. */
export declare class Cancelled extends OpenFrameError {}
/** The call's timeout passed. */
export declare class RequestTimedOut extends Cancelled {}
/** -32603. */
export declare class InternalError extends OpenFrameError {}
/** The server process ended; every waiting call rejects with it at once. */
export declare class ServerExited extends OpenFrameError {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string[];
}
/** A call after close(). */
export declare class ClientClosed extends OpenFrameError {}
/** No openframe-rpc executable found. */
export declare class BinaryNotFound extends OpenFrameError {}

/** Durable delivery (protocol.md, "Durable delivery"); results are the server's objects as they are. */
export declare namespace durable {
  const DELIVERED: 'openframe/delivered';
  const DELIVERY_FAILED: 'openframe/deliveryFailed';
  const OUTBOX_PAUSED: 'openframe/outboxPaused';
  type DurableOptions = CallOptions & { waitMs?: number; apiVersion?: string };
  function create(client: OpenFrameClient, payload: JSONValue, options?: DurableOptions): Promise<JSONValue>;
  function update(client: OpenFrameClient, payload: JSONValue, options: DurableOptions & ({ outboxId: string } | { sysId: string })): Promise<JSONValue>;
  function outbox(client: OpenFrameClient, state?: 'queued' | 'delivered' | 'parked' | 'failed', options?: CallOptions & { includePayload?: boolean }): Promise<JSONValue>;
  function onOutcome(client: OpenFrameClient, callback: (method: string, params: JSONValue) => void): void;
}
