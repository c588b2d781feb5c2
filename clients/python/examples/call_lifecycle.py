#!/usr/bin/env python3
"""The life of one phone call, from a CCaaS event feed to a CSM voice interaction record.

A contact-centre platform reports each call as a stream of events. This script plays a small scripted
feed for one inbound call and drives openframe-rpc as glue code would:

    ringing   -> check the record we are about to create (nothing is sent)
    answered  -> create the voice interaction: the caller's number, and the CCaaS session id as
                 clientSessionId, so the two systems can find each other's record
    hang-up   -> update it: the phone log of the call (start_time and end_time as
                 yyyy-MM-dd HH:mm:ss) and the records related to it (the agent, the customer)

It prints what happens as it goes. By default the server's embedded sandbox answers, so it runs
anywhere; with OPENFRAME_INSTANCE set (and credentials in OPENFRAME_USERNAME/OPENFRAME_PASSWORD or
another OPENFRAME_* variable) the record is created on that instance.

    python3 clients/python/examples/call_lifecycle.py
    OPENFRAME_INSTANCE=https://example.service-now.com OPENFRAME_USERNAME=… OPENFRAME_PASSWORD=… \\
        python3 clients/python/examples/call_lifecycle.py
"""

import datetime
import os
import sys
import time
import uuid
from pathlib import Path

try:
    import openframe_rpc
except ImportError:  # run from a clone without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import openframe_rpc

from openframe_rpc import InstanceError, InstanceUnreachable, OpenFrameClient, OpenFrameError, PayloadInvalid, Progress

# ServiceNow's date-time format for phone-log fields. The times here are UTC: make the instance's
# integration user's time zone UTC, or convert to that user's zone.
SN_DATE_TIME = "%Y-%m-%d %H:%M:%S"

AGENT_SYS_ID = "a8f98bb0eb32010045e1a5115206fe3a"  # sys_user of the agent who takes the call
CUSTOMER_SYS_ID = "59e788fbdb1b1200b6075200cf9619d2"  # csm_consumer the caller was matched to


def scripted_feed():
    """One inbound call, as a CCaaS platform would report it (times relative to now)."""
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    session = "ccaas-" + uuid.uuid4().hex[:10]
    yield {"event": "ringing", "at": start, "sessionId": session, "from": "+14089965744", "to": "+18005550100"}
    yield {"event": "answered", "at": start + datetime.timedelta(seconds=7), "sessionId": session,
           "agent": AGENT_SYS_ID, "callId": "2323223", "queue": "Billing"}
    yield {"event": "hangup", "at": start + datetime.timedelta(minutes=4, seconds=12), "sessionId": session,
           "reason": "caller-hung-up", "customer": CUSTOMER_SYS_ID}


def say(text: str) -> None:
    print(text, flush=True)


def show_progress(progress: Progress) -> None:
    parts = [p for p in (progress.title, progress.message) if p]
    pct = " %d%%" % progress.percentage if progress.percentage is not None else ""
    say("    … %s%s%s" % (progress.kind, pct, (": " + " - ".join(parts)) if parts else ""))


class Call:
    """What the glue keeps about one call between events."""

    def __init__(self, ringing: dict) -> None:
        self.session = ringing["sessionId"]
        self.caller = ringing["from"]
        self.dialled = ringing["to"]
        self.ringing_at = ringing["at"]
        self.answered_at = None
        self.agent = None
        self.call_id = None
        self.queue = None
        self.sys_id = None
        self.number = None

    def create_payload(self) -> dict:
        additional = {
            "direction": "inbound",
            "short_description": "Inbound call to %s (%s queue)" % (self.dialled, self.queue or "default"),
        }
        if self.agent:
            additional["assigned_to"] = self.agent
        return {
            "interaction": {
                "userPhoneNumber": self.caller,
                "callbackPhoneNumber": self.caller,
                "clientSessionId": self.session,
                "additionalParams": additional,
            },
            "interactionContext": {"devicetype": "ccaas-example", "requester_session_language": "en-US"},
        }


def main() -> int:
    instance = os.environ.get("OPENFRAME_INSTANCE")
    say("openframe-rpc call lifecycle: %s" % ("instance " + instance if instance else "embedded sandbox"))
    call = None
    # The instance and credentials, when set, reach the server through the environment it inherits.
    with OpenFrameClient(log_level="warning") as client:
        info = client.server_info
        say("server: %s %s%s" % (info.name, info.version, ", records go to %s" % info.target_name if info.target_name else ""))
        for event in scripted_feed():
            time.sleep(0.2)  # events arrive over time
            say("\n[%s] %s" % (event["at"].strftime(SN_DATE_TIME), event["event"]))
            try:
                if event["event"] == "ringing":
                    call = Call(event)
                    say("  call %s from %s" % (call.session, call.caller))
                    check = client.validate(call.create_payload())
                    for diagnostic in check.diagnostics:
                        say("  %s" % diagnostic.describe())
                    say("  the record we will create is %s" % ("valid" if check.valid else "NOT valid"))

                elif event["event"] == "answered":
                    call.answered_at = event["at"]
                    call.agent = event["agent"]
                    call.call_id = event["callId"]
                    call.queue = event["queue"]
                    say("  agent %s answered; creating the voice interaction" % call.agent)
                    created = client.create_voice_interaction(call.create_payload(), on_progress=show_progress, timeout=60)
                    call.sys_id, call.number = created.sys_id, created.number
                    say("  created %s (sys_id %s) on the %s, status %s" % (created.number, created.sys_id, created.target, created.status))

                elif event["event"] == "hangup":
                    if call is None or call.sys_id is None:
                        say("  no interaction record for this call; nothing to update")
                        continue
                    duration = event["at"] - call.answered_at
                    say("  call ended after %s (%s); updating %s" % (duration, event["reason"], call.number))
                    updated = client.update_voice_interaction(
                        call.sys_id,
                        {
                            "interaction": {"additionalParams": {"short_description": "Inbound call, %s" % event["reason"]}},
                            "phoneLogs": [
                                {
                                    "call_id": call.call_id,
                                    "agent": call.agent,
                                    "start_time": call.answered_at.strftime(SN_DATE_TIME),
                                    "end_time": event["at"].strftime(SN_DATE_TIME),
                                }
                            ],
                            "relatedRecords": [
                                {"documentTable": "csm_consumer", "documentId": event["customer"]},
                                {"documentTable": "sys_user", "documentId": call.agent},
                            ],
                        },
                        on_progress=show_progress,
                        timeout=60,
                    )
                    say("  updated %s on the %s, status %s" % (call.number, updated.target, updated.status))
            except PayloadInvalid as error:
                say("  not sent, the payload has errors:")
                for diagnostic in error.errors:
                    say("    %s" % diagnostic.describe())
                return 1
            except InstanceError as error:
                say("  the instance refused it: HTTP %s %s (%s)" % (error.http_status, error.message, error.detail))
                return 1
            except InstanceUnreachable as error:
                say("  the instance could not be reached: %s" % error.reason)
                return 1
            except OpenFrameError as error:
                say("  failed: %s" % error)
                return 1
    say("\ndone: call %s is interaction %s" % (call.session, call.number))
    return 0


if __name__ == "__main__":
    sys.exit(main())
