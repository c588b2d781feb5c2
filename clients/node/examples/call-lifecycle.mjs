#!/usr/bin/env node
// The life of one phone call, from a CCaaS event feed to a CSM voice interaction record.
//
// A contact-centre platform reports each call as a stream of events. This script plays a small
// scripted feed for one inbound call and drives openframe-rpc as glue code would:
//
//   ringing   -> check the record we are about to create (nothing is sent)
//   answered  -> create the voice interaction: the caller's number, and the CCaaS session id as
//                clientSessionId, so the two systems can find each other's record
//   hang-up   -> update it: the phone log of the call (start_time and end_time as
//                yyyy-MM-dd HH:mm:ss) and the records related to it (the agent, the customer)
//
// It prints what happens as it goes. By default the server's embedded sandbox answers, so it runs
// anywhere; with OPENFRAME_INSTANCE set (and credentials in OPENFRAME_USERNAME/OPENFRAME_PASSWORD or
// another OPENFRAME_* variable) the record is created on that instance.
//
//   node clients/node/examples/call-lifecycle.mjs
//   OPENFRAME_INSTANCE=https://example.service-now.com OPENFRAME_USERNAME=… OPENFRAME_PASSWORD=… \
//     node clients/node/examples/call-lifecycle.mjs
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceError, InstanceUnreachable, OpenFrameClient, OpenFrameError, PayloadInvalid } from '../index.js';

const AGENT_SYS_ID = 'a8f98bb0eb32010045e1a5115206fe3a'; // sys_user of the agent who takes the call
const CUSTOMER_SYS_ID = '59e788fbdb1b1200b6075200cf9619d2'; // csm_consumer the caller was matched to

/**
 * ServiceNow's date-time format for phone-log fields, yyyy-MM-dd HH:mm:ss. The times here are UTC:
 * make the instance's integration user's time zone UTC, or convert to that user's zone.
 */
const snDateTime = (date) => date.toISOString().slice(0, 19).replace('T', ' ');

/** One inbound call, as a CCaaS platform would report it (times relative to now). */
function* scriptedFeed() {
  const start = new Date(Math.floor(Date.now() / 1000) * 1000);
  const at = (seconds) => new Date(start.getTime() + seconds * 1000);
  const sessionId = `ccaas-${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  yield { event: 'ringing', at: start, sessionId, from: '+14089965744', to: '+18005550100' };
  yield { event: 'answered', at: at(7), sessionId, agent: AGENT_SYS_ID, callId: '2323223', queue: 'Billing' };
  yield { event: 'hangup', at: at(4 * 60 + 12), sessionId, reason: 'caller-hung-up', customer: CUSTOMER_SYS_ID };
}

const say = (text) => console.log(text);

function showProgress({ kind, title, message, percentage }) {
  const parts = [title, message].filter(Boolean).join(' - ');
  say(`    … ${kind}${percentage != null ? ` ${percentage}%` : ''}${parts ? `: ${parts}` : ''}`);
}

function describe(d) {
  return `${d.path || '(root)'}: ${d.severity}: ${d.message} [${d.code}]`;
}

/** What the glue keeps about one call between events. */
class Call {
  constructor(ringing) {
    this.session = ringing.sessionId;
    this.caller = ringing.from;
    this.dialled = ringing.to;
    this.answeredAt = null;
    this.agent = null;
    this.callId = null;
    this.queue = null;
    this.sysId = null;
    this.number = null;
  }

  createPayload() {
    const additionalParams = {
      direction: 'inbound',
      short_description: `Inbound call to ${this.dialled} (${this.queue ?? 'default'} queue)`,
    };
    if (this.agent) additionalParams.assigned_to = this.agent;
    return {
      interaction: {
        userPhoneNumber: this.caller,
        callbackPhoneNumber: this.caller,
        clientSessionId: this.session,
        additionalParams,
      },
      interactionContext: { devicetype: 'ccaas-example', requester_session_language: 'en-US' },
    };
  }
}

async function main() {
  const instance = process.env.OPENFRAME_INSTANCE;
  say(`openframe-rpc call lifecycle: ${instance ? `instance ${instance}` : 'embedded sandbox'}`);
  // The instance and credentials, when set, reach the server through the environment it inherits.
  const client = await OpenFrameClient.start({ logLevel: 'warning' });
  let call = null;
  try {
    const { name, version, targetName } = client.serverInfo;
    say(`server: ${name} ${version}${targetName ? `, records go to ${targetName}` : ''}`);
    for (const event of scriptedFeed()) {
      await sleep(200); // events arrive over time
      say(`\n[${snDateTime(event.at)}] ${event.event}`);
      try {
        if (event.event === 'ringing') {
          call = new Call(event);
          say(`  call ${call.session} from ${call.caller}`);
          const check = await client.validate(call.createPayload());
          for (const d of check.diagnostics) say(`  ${describe(d)}`);
          say(`  the record we will create is ${check.valid ? 'valid' : 'NOT valid'}`);
        } else if (event.event === 'answered') {
          Object.assign(call, { answeredAt: event.at, agent: event.agent, callId: event.callId, queue: event.queue });
          say(`  agent ${call.agent} answered; creating the voice interaction`);
          const created = await client.createVoiceInteraction(call.createPayload(), {
            onProgress: showProgress,
            signal: AbortSignal.timeout(60000),
          });
          call.sysId = created.sysId;
          call.number = created.number;
          say(`  created ${created.number} (sys_id ${created.sysId}) on the ${created.target}, status ${created.status}`);
        } else if (event.event === 'hangup') {
          if (!call?.sysId) {
            say('  no interaction record for this call; nothing to update');
            continue;
          }
          const seconds = Math.round((event.at - call.answeredAt) / 1000);
          say(`  call ended after ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s (${event.reason}); updating ${call.number}`);
          const updated = await client.updateVoiceInteraction(
            call.sysId,
            {
              interaction: { additionalParams: { short_description: `Inbound call, ${event.reason}` } },
              phoneLogs: [
                {
                  call_id: call.callId,
                  agent: call.agent,
                  start_time: snDateTime(call.answeredAt),
                  end_time: snDateTime(event.at),
                },
              ],
              relatedRecords: [
                { documentTable: 'csm_consumer', documentId: event.customer },
                { documentTable: 'sys_user', documentId: call.agent },
              ],
            },
            { onProgress: showProgress, signal: AbortSignal.timeout(60000) },
          );
          say(`  updated ${call.number} on the ${updated.target}, status ${updated.status}`);
        }
      } catch (error) {
        if (error instanceof PayloadInvalid) {
          say('  not sent, the payload has errors:');
          for (const d of error.errors) say(`    ${describe(d)}`);
        } else if (error instanceof InstanceError) {
          say(`  the instance refused it: HTTP ${error.httpStatus} ${error.instanceMessage} (${error.detail})`);
        } else if (error instanceof InstanceUnreachable) {
          say(`  the instance could not be reached: ${error.reason}`);
        } else if (error instanceof OpenFrameError) {
          say(`  failed: ${error.message}`);
        } else {
          throw error;
        }
        return 1;
      }
    }
  } finally {
    await client.close();
  }
  say(`\ndone: call ${call.session} is interaction ${call.number}`);
  return 0;
}

process.exitCode = await main();
