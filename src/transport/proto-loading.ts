import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import type { ProtoGrpcType as ClusterProto } from "../gen/cluster.js";
import type { ProtoGrpcType as HealthProto } from "../gen/health.js";
import type { ProtoGrpcType as KvProto } from "../gen/kv.js";
import { PROTO_FILES } from "../gen/proto-files.js";
import type { ProtoGrpcType as RaftProto } from "../gen/raft.js";
import { assert } from "../core/assert.js";

/**
 * How every raftkv .proto is turned into JavaScript objects, for servers and clients alike.
 * The generated types in src/gen/ are generated with the same choices, so they describe
 * exactly these shapes (docs/decisions/0006-grpc-loading-and-reflection.md):
 * - `keepCase`: fields keep their proto names (`cluster_id`), which is also what server
 *   reflection shows to grpcurl and other clients;
 * - `longs: String`: uint64 values arrive as decimal strings, never as lossy numbers; the
 *   codecs turn them into numbers only after checking they are safe integers (ADR 0001);
 * - enums stay numbers, so an unknown value is visible as such and can be rejected;
 * - `defaults`: absent scalars read as their zero value and absent messages as `null`.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = Object.freeze({
  keepCase: true,
  longs: String,
  defaults: true,
  oneofs: false,
});

/** Every service raftkv defines, by its fully qualified name. */
export const SERVICE_NAMES = Object.freeze({
  raftPeer: "raftkv.raft.v1.RaftPeer",
  kv: "raftkv.kv.v1.KV",
  cluster: "raftkv.cluster.v1.Cluster",
  health: "grpc.health.v1.Health",
});

/** The loaded protos: grpc-js service constructors and the definition reflection needs. */
export interface RaftkvProtos {
  /** grpc.loadPackageDefinition() of every file, typed by the generated src/gen types. */
  readonly grpcObject: RaftProto & KvProto & ClusterProto & HealthProto;
  /** The proto-loader definition; each entry carries the files' descriptors. */
  readonly packageDefinition: protoLoader.PackageDefinition;
}

let loaded: RaftkvProtos | undefined;

/**
 * The raftkv protos, parsed once per process and cached. The .proto sources are embedded in
 * src/gen/proto-files.ts (generated from proto/, checked by proto-loading.test.ts), so
 * loading reads no files: it works the same from src/ under jest, from dist/, and from a
 * package installed elsewhere.
 */
export function raftkvProtos(): RaftkvProtos {
  if (loaded === undefined) {
    const packageDefinition = loadPackageDefinition(PROTO_FILES);
    const grpcObject = grpc.loadPackageDefinition(packageDefinition) as unknown as
      RaftkvProtos["grpcObject"];
    loaded = Object.freeze({ grpcObject, packageDefinition });
  }
  return loaded;
}

/**
 * Parses .proto sources (path -> text) into a proto-loader definition whose file
 * descriptors are named by their real paths (`raftkv/kv/v1/kv.proto`). Parsing from text
 * alone names each descriptor after its package (`raftkv_kv_v1.proto`); the real names are
 * what grpcurl and `protoc`-generated clients expect to see through reflection.
 * Precondition: one file per package, and no file imports another (see the ADR).
 */
export function loadPackageDefinition(
  sources: Readonly<Record<string, string>>,
): protoLoader.PackageDefinition {
  const root = new protobuf.Root();
  const pathByPackage = new Map<string, string>();
  for (const [path, text] of Object.entries(sources)) {
    const parsed = protobuf.parse(text, root, { keepCase: true });
    assert(parsed.package !== undefined, `${path} declares no package`);
    assert(!pathByPackage.has(parsed.package), `two files declare package ${parsed.package}`);
    assert((parsed.imports ?? []).length === 0, `${path} imports another file`);
    pathByPackage.set(parsed.package, path);
  }
  const descriptorSet = root.toDescriptor("proto3");
  for (const file of descriptorSet.file) {
    const path = pathByPackage.get(file.package ?? "");
    assert(path !== undefined, `descriptor ${String(file.name)} has no source file`);
    file.name = path;
  }
  return protoLoader.loadFileDescriptorSetFromObject(descriptorSet, PROTO_LOADER_OPTIONS);
}
