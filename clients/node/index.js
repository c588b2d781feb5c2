// openframe-rpc host client for Node 18+: validate, create and update ServiceNow CSM voice
// interactions through an openframe-rpc child process. No dependencies.
export { OpenFrameClient, VERSION } from './src/client.js';
export { findBinary } from './src/binary.js';
export * as durable from './src/durable.js';
export {
  ErrorCodes,
  OpenFrameError,
  InvalidParams,
  PayloadInvalid,
  MethodNotFound,
  InstanceError,
  InstanceUnreachable,
  Cancelled,
  RequestTimedOut,
  InternalError,
  ServerExited,
  ClientClosed,
  BinaryNotFound,
} from './src/errors.js';
