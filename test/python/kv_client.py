#!/usr/bin/python3
"""A raftkv client in Python: a health check, one Put and one linearizable Get.

Proves that a client in another language, built only from the .proto files, can use the
API. It uses Debian's python3-grpcio and the stubs that test/python/README.md says how to
generate (python3-grpc-tools); nothing generated is checked in. The stubs directory must be
on the import path (PYTHONPATH=gen), beside grpcio: that the health stubs import without
shadowing grpcio is part of what this shows.

Usage: PYTHONPATH=gen kv_client.py ADDRESS KEY VALUE [--timeout SECONDS]
Prints one JSON object: {"health": ..., "put_revision": ..., "key": ..., "value": ...,
"version": ..., "member_id": ...}. Exits 1 with a message on stderr on any failure, 2 when
grpc or the stubs cannot be imported.
"""

import argparse
import json
import sys

INSTALL_HINT = "apt-get install python3-grpcio python3-grpc-tools"

try:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from raftkv.kv.v1 import kv_pb2, kv_pb2_grpc
except ImportError as error:
    sys.stderr.write(
        f"kv_client.py: {error} (interpreter {sys.executable}). Install the Debian packages "
        f"({INSTALL_HINT}) and generate the stubs as test/python/README.md says, then put "
        f"their directory on PYTHONPATH.\n")
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description="Check health, then Put and Get one key.")
    parser.add_argument("address", help="host:port of a member's client port")
    parser.add_argument("key")
    parser.add_argument("value")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    args = parser.parse_args()

    with grpc.insecure_channel(args.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        kv = kv_pb2_grpc.KVStub(channel)
        try:
            status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=args.timeout)
            put = kv.Put(kv_pb2.PutRequest(key=args.key, value=args.value.encode()),
                         timeout=args.timeout)
            got = kv.Get(kv_pb2.GetRequest(key=args.key, consistency=kv_pb2.LINEARIZABLE),
                         timeout=args.timeout)
        except grpc.RpcError as error:
            sys.stderr.write(f"kv_client.py: {error.code().name}: {error.details()}\n")
            sys.exit(1)
    if not got.HasField("kv"):
        sys.stderr.write(f"kv_client.py: Get found no key {args.key!r} after the Put\n")
        sys.exit(1)
    print(json.dumps({
        "health": health_pb2.HealthCheckResponse.ServingStatus.Name(status.status),
        "put_revision": put.header.revision,
        "key": got.kv.key,
        "value": got.kv.value.decode(),
        "version": got.kv.version,
        "member_id": got.header.member_id,
    }))


if __name__ == "__main__":
    main()
