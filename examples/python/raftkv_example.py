#!/usr/bin/python3
"""A raftkv client in Python: Put, a linearizable Get, a compare-and-swap Txn, and a Watch.

Built only from the stubs that protoc generates from proto/ (examples/python/README.md says
how) and Debian's python3-grpcio; nothing generated is checked in.

Usage: PYTHONPATH=gen raftkv_example.py ADDRESS[,ADDRESS...] [--timeout SECONDS]
       [--cacert FILE [--cert FILE --key FILE]]
Prints what it does, then one JSON object on the last line. Exits 1 on a failed call and 2
when grpc or the stubs cannot be imported.
"""

import argparse
import json
import sys
import threading
import uuid

INSTALL_HINT = "apt-get install python3-grpcio python3-grpc-tools"

try:
    import grpc
    # The health stubs come from proto/grpc_health/v1/, so they import beside grpcio
    # instead of shadowing it (examples/python/README.md explains).
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from raftkv.kv.v1 import kv_pb2, kv_pb2_grpc
except ImportError as error:
    sys.stderr.write(
        f"raftkv_example.py: {error} (interpreter {sys.executable}). Install the packages "
        f"({INSTALL_HINT}), generate the stubs as examples/python/README.md says, and put "
        "them on PYTHONPATH.\n")
    sys.exit(2)

KEY = "example/greeting"
WATCH_PREFIX = "example/watch/"
WATCH_EVENTS = 3  # the two puts and the delete of step 4


class Members:
    """Sends each call to one member, and to the next one when that member is UNAVAILABLE.

    Any member serves any call (followers forward writes to the leader), so a client needs
    no leader tracking: UNAVAILABLE means this member is down or knows no leader, and
    another member may do better. It stays on the member that answered, so a dead member
    costs one failed call, not one per request. A longer-lived client would also back off
    and go round again, or follow the raftkv-leader-address trailing metadata.
    """

    def __init__(self, addresses, timeout_s, credentials=None):
        self.addresses = addresses
        self.channels = [
            grpc.insecure_channel(address) if credentials is None
            else grpc.secure_channel(address, credentials)
            for address in addresses]
        self.current = 0
        self.timeout_s = timeout_s
        self.unavailable = []  # the addresses we moved away from, for the report

    def on_any(self, attempt):
        """Runs attempt(channel) on the current member, moving on at each UNAVAILABLE."""
        for tries_left in reversed(range(len(self.channels))):
            try:
                return attempt(self.channels[self.current])
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE or tries_left == 0:
                    raise
                address = self.addresses[self.current]
                print(f"  {address} is UNAVAILABLE ({error.details()}); trying the next member")
                self.unavailable.append(address)
                self.current = (self.current + 1) % len(self.channels)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def kv(self, method, request):
        """Calls KV.<method>. A retried write reuses its request, so the same session sequence."""
        return self.on_any(lambda channel: getattr(kv_pb2_grpc.KVStub(channel), method)(
            request, timeout=self.timeout_s))

    def close(self):
        for channel in self.channels:
            channel.close()


class Session:
    """Exactly-once writes: a write that failed with UNAVAILABLE may still have been applied,
    so its retry must carry the same client id and sequence for raftkv to answer it from
    memory instead of applying it twice (a retried compare-and-swap would otherwise fail
    against its own write)."""

    def __init__(self):
        self.client_id = f"raftkv-example-{uuid.uuid4()}"  # one id for this client's life
        self.sequence = 0

    def stamp(self, request):
        self.sequence += 1
        request.client_id, request.sequence = self.client_id, self.sequence
        return request


def compare_and_swap(members, session, expected, new):
    """Sets KEY to `new` only if it still holds `expected`; else reads what it holds now."""
    txn = members.kv("Txn", session.stamp(kv_pb2.TxnRequest(
        compare=[kv_pb2.Compare(key=KEY, target=kv_pb2.VALUE, result=kv_pb2.EQUAL,
                                value=expected.encode())],
        success=[kv_pb2.RequestOp(request_put=kv_pb2.PutRequest(key=KEY, value=new.encode()))],
        failure=[kv_pb2.RequestOp(request_range=kv_pb2.RangeRequest(key=KEY))])))
    outcome = {"succeeded": txn.succeeded, "revision": txn.header.revision, "current_value": None}
    if not txn.succeeded:  # a failed compare is an answer, not an error: the range ran
        outcome["current_value"] = txn.responses[0].response_range.kvs[0].value.decode()
    return outcome


def open_watch(members, start_revision):
    """Opens a Watch on WATCH_PREFIX and waits for its `created` response. A dead member's
    UNAVAILABLE shows up at that first read, which is why the read is inside on_any."""
    # [prefix, prefix with its last byte + 1) is every key that starts with the prefix.
    range_end = WATCH_PREFIX[:-1] + chr(ord(WATCH_PREFIX[-1]) + 1)
    request = kv_pb2.WatchRequest(key=WATCH_PREFIX, range_end=range_end,
                                  start_revision=start_revision)

    def attempt(channel):
        call = kv_pb2_grpc.KVStub(channel).Watch(request)  # no deadline: it streams until cancelled
        assert next(call).created, "a watch's first response has created set"
        return call
    return members.on_any(attempt)


def read_events(call, events, got_all, ended):
    """The watch thread: collects events until the call ends (we cancel it once we have all)."""
    try:
        for response in call:
            for event in response.events:
                events.append({"type": kv_pb2.EventType.Name(event.type), "key": event.kv.key,
                               "value": event.kv.value.decode(), "revision": event.kv.mod_revision})
            if len(events) >= WATCH_EVENTS:
                got_all.set()
    except grpc.RpcError as error:
        ended.append(error.code().name)  # CANCELLED when we end it, as intended
    got_all.set()  # also on an unexpected end, so the main thread stops waiting


def main():
    parser = argparse.ArgumentParser(description="Put, Get, Txn and Watch against raftkv.")
    parser.add_argument("addresses", help="member client addresses, comma-separated")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    parser.add_argument("--cacert", help="PEM bundle of the CA that signed the members' "
                        "--client-cert (turns TLS on)")
    parser.add_argument("--cert", help="this client's PEM certificate, for members started "
                        "with --client-ca (mutual TLS)")
    parser.add_argument("--key", help="the PEM private key of --cert")
    args = parser.parse_args()
    members = Members(args.addresses.split(","), args.timeout, channel_credentials(parser, args))
    session = Session()
    try:
        report = run(members, session, args.timeout)
    except grpc.RpcError as error:
        sys.stderr.write(f"raftkv_example.py: {error.code().name}: {error.details()}\n")
        sys.exit(1)
    finally:
        members.close()
    print(json.dumps(report))


def channel_credentials(parser, args):
    """TLS credentials from the PEM files named by --cacert, --cert and --key; None for
    plaintext. raftkv members verify a client certificate only when given --client-ca."""
    if args.cacert is None:
        if args.cert is not None or args.key is not None:
            parser.error("--cert and --key need --cacert (TLS)")
        return None
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")

    def read(path):
        if path is None:
            return None
        try:
            with open(path, "rb") as file:
                return file.read()
        except OSError as error:
            parser.error(f"cannot read {path}: {error.strerror}")

    return grpc.ssl_channel_credentials(
        root_certificates=read(args.cacert), private_key=read(args.key),
        certificate_chain=read(args.cert))


def run(members, session, timeout_s):
    health = members.on_any(lambda channel: health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=timeout_s))
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(health.status)
    print(f"0. {members.addresses[members.current]} is {status}")

    put = members.kv("Put", session.stamp(kv_pb2.PutRequest(key=KEY, value=b"hello")))
    print(f"1. put {KEY}=hello at revision {put.header.revision}")

    # LINEARIZABLE (the default, spelled out) sees every write acknowledged before it.
    got = members.kv("Get", kv_pb2.GetRequest(key=KEY, consistency=kv_pb2.LINEARIZABLE))
    print(f"2. get {KEY} -> {got.kv.value.decode()!r} (version {got.kv.version})")

    # The same compare-and-swap twice: the first moves the value on, so the second's
    # compare no longer holds and its failure branch reads the value that won.
    txns = [compare_and_swap(members, session, "hello", "hello, raftkv") for _ in range(2)]
    for number, txn in enumerate(txns, 1):
        print(f"3. txn {number}: succeeded={txn['succeeded']} current={txn['current_value']!r}")

    # Watch from the revision after the last one we saw, so no write below can be missed,
    # even if it were applied before the watch is registered.
    start_revision = txns[-1]["revision"] + 1
    call = open_watch(members, start_revision)
    events, got_all, ended = [], threading.Event(), []
    reader = threading.Thread(target=read_events, args=(call, events, got_all, ended))
    reader.start()
    for key, value in ((WATCH_PREFIX + "a", b"1"), (WATCH_PREFIX + "b", b"2")):
        members.kv("Put", session.stamp(kv_pb2.PutRequest(key=key, value=value)))
    members.kv("Delete", session.stamp(kv_pb2.DeleteRequest(key=WATCH_PREFIX + "a")))
    got_all.wait(timeout_s)
    call.cancel()  # how a client ends a watch; the reader then sees CANCELLED
    reader.join(timeout_s)
    for event in events:
        written = f"={event['value']!r}" if event["type"] == "PUT" else ""
        print(f"4. watch: {event['type']} {event['key']}{written} at revision {event['revision']}")

    return {
        "health": status, "unavailable": members.unavailable,
        "put": {"key": KEY, "revision": put.header.revision},
        "get": {"key": got.kv.key, "value": got.kv.value.decode(), "version": got.kv.version,
                "mod_revision": got.kv.mod_revision},
        "txns": txns,
        "watch": {"prefix": WATCH_PREFIX, "start_revision": start_revision, "events": events,
                  "ended": ended[0] if ended else None},
    }


if __name__ == "__main__":
    main()
