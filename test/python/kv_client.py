#!/usr/bin/python3
"""A raftkv client in Python: one Put and one linearizable Get against a running member.

Proves that a client in another language, built only from the .proto files, can use the
API. It uses Debian's python3-grpcio and python3-grpc-tools (run it with /usr/bin/python3:
the python3 first on PATH may lack grpc) and generates the stubs from proto/ into a
temporary directory at run time with grpc_tools.protoc, so nothing generated is checked in.

Usage: kv_client.py ADDRESS KEY VALUE [--proto-dir DIR]
Prints one JSON object: {"put_revision": ..., "key": ..., "value": ..., "version": ...,
"member_id": ...}. Exits 1 with a message on stderr on any failure, 2 when grpc is missing.
"""

import argparse
import importlib
import json
import os
import sys
import tempfile

INSTALL_HINT = "apt-get install python3-grpcio python3-grpc-tools"
KV_PROTO = "raftkv/kv/v1/kv.proto"


def import_grpc():
    """Imports grpc and grpc_tools, or exits 2 saying which Debian packages provide them."""
    try:
        grpc = importlib.import_module("grpc")
        protoc = importlib.import_module("grpc_tools.protoc")
    except ImportError as error:
        sys.stderr.write(
            f"kv_client.py: {error} (interpreter {sys.executable}); install the Debian "
            f"packages: {INSTALL_HINT}\n")
        sys.exit(2)
    return grpc, protoc


def generate_stubs(protoc, proto_dir, out_dir):
    """Runs protoc (from grpc_tools) on kv.proto, writing *_pb2.py and *_pb2_grpc.py."""
    status = protoc.main([
        "grpc_tools.protoc",
        f"--proto_path={proto_dir}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        os.path.join(proto_dir, KV_PROTO),
    ])
    if status != 0:
        sys.stderr.write(f"kv_client.py: protoc failed with status {status} on {KV_PROTO}\n")
        sys.exit(1)
    # protoc mirrors the proto's directories: make each one an importable package.
    for directory, _, _ in os.walk(out_dir):
        open(os.path.join(directory, "__init__.py"), "a").close()
    sys.path.insert(0, out_dir)
    kv_pb2 = importlib.import_module("raftkv.kv.v1.kv_pb2")
    kv_pb2_grpc = importlib.import_module("raftkv.kv.v1.kv_pb2_grpc")
    return kv_pb2, kv_pb2_grpc


def main():
    default_proto_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto")
    parser = argparse.ArgumentParser(description="Put then Get one key on a raftkv member.")
    parser.add_argument("address", help="host:port of a member's client port")
    parser.add_argument("key")
    parser.add_argument("value")
    parser.add_argument("--proto-dir", default=os.path.normpath(default_proto_dir))
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    args = parser.parse_args()

    grpc, protoc = import_grpc()
    with tempfile.TemporaryDirectory(prefix="raftkv-py-") as out_dir:
        kv_pb2, kv_pb2_grpc = generate_stubs(protoc, args.proto_dir, out_dir)
        with grpc.insecure_channel(args.address) as channel:
            stub = kv_pb2_grpc.KVStub(channel)
            try:
                put = stub.Put(kv_pb2.PutRequest(key=args.key, value=args.value.encode()),
                               timeout=args.timeout)
                got = stub.Get(kv_pb2.GetRequest(key=args.key, consistency=kv_pb2.LINEARIZABLE),
                               timeout=args.timeout)
            except grpc.RpcError as error:
                sys.stderr.write(f"kv_client.py: {error.code().name}: {error.details()}\n")
                sys.exit(1)
    if not got.HasField("kv"):
        sys.stderr.write(f"kv_client.py: Get found no key {args.key!r} after the Put\n")
        sys.exit(1)
    print(json.dumps({
        "put_revision": put.header.revision,
        "key": got.kv.key,
        "value": got.kv.value.decode(),
        "version": got.kv.version,
        "member_id": got.header.member_id,
    }))


if __name__ == "__main__":
    main()
