// Goal: the protos load once, into exactly the shapes the codecs and the generated types in
// src/gen/ assume, and src/gen/ never drifts from proto/.
// Method: load the embedded protos and push real bytes through the loaded serializers
// (64-bit edge values, empty messages); check the descriptors reflection will serve; then
// regenerate src/gen/ into a temporary directory from proto/ and compare file by file.
// `REWRITE=1 npx jest src/transport/proto-loading.test.ts` rewrites src/gen/ instead: run it
// after editing a .proto file.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import type * as protoLoader from "@grpc/proto-loader";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { PROTO_FILES } from "../gen/proto-files.js";
import { loadPackageDefinition, raftkvProtos, SERVICE_NAMES } from "./proto-loading.js";

function findRepoRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "proto"))) {
    const parent = resolve(dir, "..");
    if (parent === dir) throw new Error("run jest from inside the raftkv checkout");
    dir = parent;
  }
  return dir;
}

const root = findRepoRoot();
const genDir = join(root, "src", "gen");
const rewrite = process.env["REWRITE"] === "1";

function listFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

/** The embedded-sources module, exactly as the generator writes it. */
function protoFilesModule(): string {
  const lines = [
    "// Generated from proto/ by `REWRITE=1 npx jest src/transport/proto-loading.test.ts`.",
    "// Do not edit: change the .proto file and regenerate.",
    "",
    "/** Every raftkv .proto source, by its path under proto/. */",
    "export const PROTO_FILES: Readonly<Record<string, string>> = {",
  ];
  for (const path of listFiles(join(root, "proto"), ".proto")) {
    const text = readFileSync(join(root, "proto", path), "utf8");
    lines.push(`  ${JSON.stringify(path)}: ${JSON.stringify(text)},`);
  }
  lines.push("};", "");
  return lines.join("\n");
}

/** Runs proto-loader-gen-types with the options of PROTO_LOADER_OPTIONS into `outDir`. */
function generateTypes(outDir: string): void {
  const bin = join(root, "node_modules/@grpc/proto-loader/build/bin/proto-loader-gen-types.js");
  const protos = listFiles(join(root, "proto"), ".proto");
  execFileSync(process.execPath, [
    bin, "--keepCase", "--longs", "String", "--defaults", "--grpcLib", "@grpc/grpc-js",
    "--importFileExtension", ".js", "-I", "proto", "-O", outDir, ...protos,
  ], { cwd: root, stdio: "pipe" });
  writeFileSync(join(outDir, "proto-files.ts"), protoFilesModule());
}

describe("src/gen matches proto/", () => {
  it("is what the generator produces today", () => {
    const outDir = mkdtempSync(join(tmpdir(), "raftkv-gen-"));
    try {
      generateTypes(outDir);
      const expected = listFiles(outDir, ".ts");
      if (rewrite) {
        for (const path of listFiles(genDir, ".ts")) rmSync(join(genDir, path));
        for (const path of expected) {
          mkdirSync(dirname(join(genDir, path)), { recursive: true });
          writeFileSync(join(genDir, path), readFileSync(join(outDir, path)));
        }
      }
      expect(listFiles(genDir, ".ts")).toEqual(expected);
      for (const path of expected) {
        const want = readFileSync(join(outDir, path), "utf8");
        const have = readFileSync(join(genDir, path), "utf8");
        if (have !== want) throw new Error(`src/gen/${path} is stale: rerun with REWRITE=1`);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

describe("raftkvProtos()", () => {
  const protos = raftkvProtos();
  const definition = protos.packageDefinition;

  function messageType(name: string): protoLoader.MessageTypeDefinition<object, object> {
    const type = definition[name];
    if (type === undefined || !("format" in type)) throw new Error(`no message ${name}`);
    return type as protoLoader.MessageTypeDefinition<object, object>;
  }

  it("loads once and defines every service", () => {
    expect(raftkvProtos()).toBe(protos);
    for (const name of Object.values(SERVICE_NAMES)) {
      expect(definition[name]).toBeDefined();
    }
    expect(Object.keys(protos.grpcObject.raftkv.raft.v1.RaftPeer.service).sort()).toEqual([
      "AppendEntries", "InstallSnapshot", "ReadIndex", "Replicate", "RequestVote",
      "SnapshotOffset", "TimeoutNow",
    ]);
  });

  it("serves descriptors named by their real paths, with nothing imported", () => {
    const kv = messageType("raftkv.kv.v1.PutRequest");
    const files = kv.fileDescriptorProtos.map((bytes) => {
      const file = descriptor.FileDescriptorProto.decode(bytes) as unknown as {
        name: string; dependency: string[];
      };
      return { name: file.name, dependency: file.dependency };
    });
    expect(files.map((f) => f.name).sort()).toEqual(Object.keys(PROTO_FILES).sort());
    for (const file of files) expect(file.dependency).toEqual([]);
  });

  it("keeps uint64 values exact as decimal strings, up to 2^64 - 1", () => {
    const type = messageType("raftkv.raft.v1.RequestVoteRequest");
    for (const value of ["0", "9007199254740991", "9007199254740993", "18446744073709551615"]) {
      const bytes = type.serialize({ term: value });
      expect((type.deserialize(bytes) as { term: string }).term).toBe(value);
    }
  });

  it("reads absent fields as zero values and absent messages as null", () => {
    const chunk = messageType("raftkv.raft.v1.InstallSnapshotChunk").deserialize(Buffer.alloc(0));
    expect(chunk).toEqual({
      cluster_id: "0", from: "0", to: "0", term: "0", metadata: null, offset: "0",
      data: Buffer.alloc(0), done: false, crc32: 0,
    });
    const append = messageType("raftkv.raft.v1.AppendEntriesRequest").deserialize(Buffer.alloc(0));
    expect(append).toMatchObject({ entries: [], heartbeat: false, prev_log_index: "0" });
  });
});

describe("loadPackageDefinition()", () => {
  it("refuses a file that imports another", () => {
    const text = 'syntax = "proto3"; package a.v1; import "b.proto"; message M { int32 x = 1; }';
    expect(() => loadPackageDefinition({ "a.proto": text })).toThrow(/imports another file/);
  });

  it("refuses two files in one package", () => {
    const a = 'syntax = "proto3"; package a.v1; message M { int32 x = 1; }';
    const b = 'syntax = "proto3"; package a.v1; message N { int32 y = 1; }';
    expect(() => loadPackageDefinition({ "a.proto": a, "b.proto": b })).toThrow(/two files/);
  });
});
