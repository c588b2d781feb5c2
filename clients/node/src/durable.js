// Durable delivery (protocol.md, "Durable delivery"): the server keeps the request in its outbox
// (--outbox FILE, or initializationOptions.outbox) and delivers it, also across an instance outage or a
// server restart. Results are the server's objects as they are: {status: 'SUCCESS', sysId, number, outboxId},
// {status: 'QUEUED', outboxId} or {status: 'PARKED', outboxId, reason}. Errors reject as for the immediate
// methods (PayloadInvalid: nothing stored; code -32003: the outbox could not store it, nothing queued).

export const DELIVERED = 'openframe/delivered';
export const DELIVERY_FAILED = 'openframe/deliveryFailed';
export const OUTBOX_PAUSED = 'openframe/outboxPaused';

function params(payload, { waitMs, apiVersion } = {}) {
  const out = { delivery: 'durable', payload };
  if (waitMs !== undefined) out.waitMs = waitMs;
  if (apiVersion !== undefined) out.apiVersion = apiVersion;
  return out;
}

/** A create with delivery 'durable'; waits up to waitMs (server default 2000) for the outcome. */
export function create(client, payload, options = {}) {
  return client.request('openframe/createVoiceInteraction', params(payload, options), options);
}

/** A durable update of options.sysId, or of the record the create options.outboxId makes (exactly one). */
export function update(client, payload, options = {}) {
  const { outboxId, sysId } = options;
  if ((outboxId === undefined) === (sysId === undefined)) {
    throw new TypeError('give exactly one of outboxId and sysId');
  }
  const p = params(payload, options);
  if (outboxId !== undefined) p.outboxId = outboxId;
  else p.interactionSysId = sysId;
  return client.request('openframe/updateVoiceInteraction', p, options);
}

/** openframe/outbox: {file, items: [...], paused?}, optionally only the items in `state`. */
export function outbox(client, state, { includePayload = false, ...options } = {}) {
  const p = {};
  if (state !== undefined) p.state = state;
  if (includePayload) p.includePayload = true;
  return client.request('openframe/outbox', p, options);
}

/** Calls callback(method, params) for each openframe/delivered, deliveryFailed and outboxPaused. */
export function onOutcome(client, callback) {
  const wanted = new Set([DELIVERED, DELIVERY_FAILED, OUTBOX_PAUSED]);
  client.onNotification = (method, p) => {
    if (wanted.has(method)) callback(method, p);
  };
}
