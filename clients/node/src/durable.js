// Durable delivery (protocol.md, "Durable delivery"): the server keeps the request in its outbox
// (--outbox FILE, or initializationOptions.outbox) and delivers it, also across an instance outage or a
// server restart. Results are the server's objects as they are: {status: 'SUCCESS', sysId, number, outboxId},
// {status: 'QUEUED', outboxId} or {status: 'PARKED', outboxId, reason}. Errors reject as for the immediate
// methods (PayloadInvalid: nothing stored; code -33010: the outbox could not store it, nothing queued).

import { checkOptions } from './client.js';

export const DELIVERED = 'openframe/delivered';
export const DELIVERY_FAILED = 'openframe/deliveryFailed';
export const OUTBOX_PAUSED = 'openframe/outboxPaused';

const CALL_OPTIONS = ['onProgress', 'signal', 'timeout'];

/** Splits a durable call's options into params and the request()'s own options; misspelt names throw. */
function split(where, options, own) {
  checkOptions(where, options, [...own, ...CALL_OPTIONS]);
  const { onProgress, signal, timeout, ...rest } = options ?? {};
  return { rest, call: { onProgress, signal, timeout } };
}

function params(payload, { waitMs, apiVersion } = {}) {
  const out = { delivery: 'durable', payload };
  if (waitMs !== undefined) out.waitMs = waitMs;
  if (apiVersion !== undefined) out.apiVersion = apiVersion;
  return out;
}

/** A create with delivery 'durable'; waits up to waitMs (server default 2000) for the outcome. */
export function create(client, payload, options = {}) {
  const { rest, call } = split('durable.create()', options, ['waitMs', 'apiVersion']);
  return client.request('openframe/createVoiceInteraction', params(payload, rest), call);
}

/** A durable update of options.sysId, or of the record the create options.outboxId makes (exactly one). */
export function update(client, payload, options = {}) {
  const { rest, call } = split('durable.update()', options, ['waitMs', 'apiVersion', 'outboxId', 'sysId']);
  const { outboxId, sysId } = rest;
  if ((outboxId === undefined) === (sysId === undefined)) {
    throw new TypeError('give exactly one of outboxId and sysId');
  }
  const p = params(payload, rest);
  if (outboxId !== undefined) p.outboxId = outboxId;
  else p.interactionSysId = sysId;
  return client.request('openframe/updateVoiceInteraction', p, call);
}

/** openframe/outbox: {file, items: [...], paused?}, optionally only the items in `state`. */
export function outbox(client, state, options = {}) {
  const { rest, call } = split('durable.outbox()', options, ['includePayload']);
  const { includePayload = false } = rest;
  const p = {};
  if (state !== undefined) p.state = state;
  if (includePayload) p.includePayload = true;
  return client.request('openframe/outbox', p, call);
}

/** Calls callback(method, params) for each openframe/delivered, deliveryFailed and outboxPaused. */
export function onOutcome(client, callback) {
  const wanted = new Set([DELIVERED, DELIVERY_FAILED, OUTBOX_PAUSED]);
  client.onNotification = (method, p) => {
    if (wanted.has(method)) callback(method, p);
  };
}
