import type * as grpc from "@grpc/grpc-js";
import type * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { assert } from "../core/assert.js";
import { raftkvProtos, SERVICE_NAMES } from "./proto-loading.js";

/**
 * gRPC server reflection (v1 and v1alpha, through @grpc/reflection), so that grpcurl and
 * other tools work with no .proto files at hand.
 *
 * The trap (docs/decisions/0006-grpc-loading-and-reflection.md): @grpc/reflection 1.0.4
 * serves each file descriptor as protobufjs rebuilt it. A type from another file is
 * referenced without the file being listed in `dependency`, and a map<> field points at an
 * entry type named differently from the one it declares; grpcurl (Go's protodesc) rejects
 * such a file, and with it every service of its package. Our protos avoid both, descriptors
 * are renamed to their real paths when loading (proto-loading.ts), and addReflection()
 * refuses to start on a definition that would still serve a broken descriptor, so the
 * failure shows at startup with its cause rather than in a client. The descriptors it serves
 * carry only the options the .proto files state (servedDefinition()).
 */

/** The services the client port describes by default; RaftPeer is internal. */
export const CLIENT_SERVICES: readonly string[] = Object.freeze([
  SERVICE_NAMES.kv, SERVICE_NAMES.cluster, SERVICE_NAMES.health,
]);

/** Registers reflection for `services` on a server the caller owns. */
export function addReflection(
  server: grpc.Server,
  services: readonly string[] = CLIENT_SERVICES,
  packageDefinition: protoLoader.PackageDefinition = raftkvProtos().packageDefinition,
): void {
  const problems = descriptorProblems(packageDefinition);
  assert(problems.length === 0, `reflection would serve bad descriptors: ${problems.join("; ")}`);
  for (const service of services) {
    assert(packageDefinition[service] !== undefined, `no service ${service} to describe`);
  }
  const served = servedDefinition(packageDefinition);
  new ReflectionService(served, { services: [...services] }).addToServer(server);
}

/** protobuf's FieldDescriptorProto.Label.LABEL_REPEATED. */
const LABEL_REPEATED = 3;
/** FieldDescriptorProto.Type values that can never be packed: string, group, message, bytes. */
const UNPACKABLE_TYPES: ReadonlySet<number> = new Set([9, 10, 11, 12]);

/** The parts of a decoded FieldDescriptorProto and DescriptorProto that servedFile() edits. */
interface EditableField {
  label?: number;
  type?: number;
  options?: { packed?: boolean } | null;
}

interface EditableMessage {
  field: EditableField[];
  nestedType: EditableMessage[];
}

/**
 * `packageDefinition` with each file descriptor as clients should see it: with only the
 * options its .proto file states. protobufjs 7 (Field#toDescriptor, reading a `packed`
 * feature that nothing resolved while loading) writes `packed = false` on every field, a
 * string or a message field included, whatever the file says, and grpcurl's describe then
 * prints `string key = 1 [packed = false];`. Only a repeated scalar field may state
 * `packed`, so a file with the option anywhere else got all of its `packed` options from
 * protobufjs: servedFile() drops them (and an options message left empty). A file whose
 * `packed` options all sit on repeated scalar fields is served unchanged. Serving this copy
 * changes no encoding: the proto3 wire format of every field is the same either way.
 */
export function servedDefinition(
  packageDefinition: protoLoader.PackageDefinition,
): protoLoader.PackageDefinition {
  // Definitions share their files' buffers: each file is rewritten once.
  const servedBytes = new Map<Buffer, Buffer>();
  const served = (bytes: Buffer): Buffer => {
    const known = servedBytes.get(bytes) ?? servedFile(bytes);
    servedBytes.set(bytes, known);
    return known;
  };
  const copy: protoLoader.PackageDefinition = {};
  for (const [name, definition] of Object.entries(packageDefinition)) {
    copy[name] = isTypeDefinition(definition)
      ? { ...definition, fileDescriptorProtos: definition.fileDescriptorProtos.map(served) }
      : definition;
  }
  return copy;
}

/** One encoded FileDescriptorProto, less protobufjs's `packed` options; see above. */
function servedFile(bytes: Buffer): Buffer {
  const file = descriptor.FileDescriptorProto.decode(bytes);
  const shape = file as unknown as { messageType: EditableMessage[] };
  const fields: EditableField[] = [];
  const collect = (message: EditableMessage): void => {
    fields.push(...message.field);
    message.nestedType.forEach(collect);
  };
  shape.messageType.forEach(collect);
  // Decoded messages read unset fields from their prototype: only own properties were sent.
  const packed = fields.filter((field) => Object.hasOwn(field.options ?? {}, "packed"));
  const invented = packed.some((field) =>
    field.label !== LABEL_REPEATED || UNPACKABLE_TYPES.has(field.type ?? 0));
  if (!invented) return bytes;
  for (const field of packed) {
    const options = field.options!;
    delete options.packed;
    // Decoded messages own empty arrays for their repeated fields: "empty" means no bytes.
    if (descriptor.FieldOptions.encode(options).finish().length === 0) delete field.options;
  }
  return Buffer.from(descriptor.FileDescriptorProto.encode(file).finish());
}

/** The parts of a FileDescriptorProto the checks read (protobufjs decodes the rest too). */
interface FileShape {
  readonly name: string;
  readonly package: string;
  readonly dependency: readonly string[];
  readonly messageType: readonly MessageShape[];
  readonly enumType: readonly { readonly name: string }[];
  readonly service: readonly ServiceShape[];
}

interface MessageShape {
  readonly name: string;
  readonly field: readonly { readonly name: string; readonly typeName?: string }[];
  readonly nestedType: readonly MessageShape[];
  readonly enumType: readonly { readonly name: string }[];
  readonly options?: { readonly mapEntry?: boolean } | null;
}

interface ServiceShape {
  readonly name: string;
  readonly method: readonly { readonly inputType: string; readonly outputType: string }[];
}

/**
 * Why the definition's descriptors would break a grpcurl client, one line per problem:
 * a type referenced from another file (the dependency list stays empty) or a map entry.
 */
export function descriptorProblems(packageDefinition: protoLoader.PackageDefinition): string[] {
  const files = new Map<string, FileShape>();
  for (const definition of Object.values(packageDefinition)) {
    // Messages and enums carry the descriptors; a service's methods point at messages.
    if (!isTypeDefinition(definition)) continue;
    for (const bytes of definition.fileDescriptorProtos) {
      const file = descriptor.FileDescriptorProto.decode(bytes) as unknown as FileShape;
      files.set(file.name, file);
    }
  }
  return [...files.values()].flatMap(fileProblems);
}

type TypeDefinition =
  | protoLoader.MessageTypeDefinition<object, object>
  | protoLoader.EnumTypeDefinition;

function isTypeDefinition(
  definition: protoLoader.AnyDefinition,
): definition is TypeDefinition {
  return typeof definition.format === "string" && Array.isArray(definition.fileDescriptorProtos);
}

interface Reference {
  readonly scope: string;
  readonly name: string;
  readonly where: string;
}

function fileProblems(file: FileShape): string[] {
  const problems: string[] = [];
  const symbols = new Set<string>();
  const references: Reference[] = [];
  const visit = (scope: string, message: MessageShape): void => {
    const fullName = `${scope}.${message.name}`;
    symbols.add(fullName);
    if (message.options?.mapEntry === true) {
      problems.push(`${file.name}: ${fullName} is a map entry (use a repeated message instead)`);
    }
    for (const field of message.field) {
      if (field.typeName === undefined || field.typeName === "") continue;
      const where = `${fullName}.${field.name}`;
      references.push({ scope: fullName, name: field.typeName, where });
    }
    for (const nested of message.enumType) symbols.add(`${fullName}.${nested.name}`);
    for (const nested of message.nestedType) visit(fullName, nested);
  };
  const root = file.package === "" ? "" : `.${file.package}`;
  for (const message of file.messageType) visit(root, message);
  for (const enumType of file.enumType) symbols.add(`${root}.${enumType.name}`);
  for (const service of file.service) {
    for (const method of service.method) {
      const where = `${root}.${service.name}.`;
      references.push({ scope: root, name: method.inputType, where });
      references.push({ scope: root, name: method.outputType, where });
    }
  }
  for (const reference of references) {
    if (resolve(symbols, reference.scope, reference.name) === undefined) {
      problems.push(`${file.name}: ${reference.where} uses ${reference.name} from another file ` +
        `(its dependency list would be empty)`);
    }
  }
  return problems;
}

/** Protobuf name resolution: absolute names as they are, relative ones scope by scope. */
function resolve(symbols: ReadonlySet<string>, scope: string, name: string): string | undefined {
  if (name.startsWith(".")) return symbols.has(name) ? name : undefined;
  for (let at = scope; ; at = at.slice(0, Math.max(at.lastIndexOf("."), 0))) {
    const candidate = `${at}.${name}`;
    if (symbols.has(candidate)) return candidate;
    if (at === "") return undefined;
  }
}
