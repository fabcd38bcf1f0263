import type * as grpc from "@grpc/grpc-js";
import type * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { InvalidArgumentError } from "./errors.js";
import { firstInvalidUtf8Offset } from "./utf8.js";

/**
 * A request that could not be decoded, and why. grpc-js answers a deserializer that throws
 * with INTERNAL "Error deserializing request", which blames the server for the client's
 * bytes; a guarded deserializer returns this value instead, and unaryHandler() turns it into
 * an InvalidArgumentError, so the client sees INVALID_ARGUMENT saying what was wrong.
 */
export class MalformedRequest {
  constructor(readonly problem: string) {}
}

/**
 * The request unchanged, or an InvalidArgumentError when the guarded deserializer could not
 * decode it. unaryHandler() calls this before any handler sees a request.
 */
export function requireWellFormed<Request>(request: Request): Request {
  const value: unknown = request;
  if (value instanceof MalformedRequest) throw new InvalidArgumentError(value.problem);
  return request;
}

/** The part of a proto-loader DescriptorProto (`enums: String`) the guard reads. */
interface MessageDescriptor {
  readonly field: readonly {
    readonly name: string;
    readonly number: number;
    readonly type: string;
    readonly typeName: string;
  }[];
}

/** For one message type: its string fields, and its message fields with their type names. */
interface MessageShape {
  readonly typeName: string;
  readonly strings: ReadonlyMap<number, string>;
  readonly messages: ReadonlyMap<number, { readonly name: string; readonly typeName: string }>;
}

/** Nesting deeper than this is refused rather than followed (no request comes close). */
const NESTING_DEPTH_MAX = 32;

/**
 * Service `serviceName` from `definition`, with every method's request deserializer guarded:
 * bytes that are not a well-formed message of the request type, or that hold a `string`
 * field (at any depth) that is not UTF-8, become a MalformedRequest naming the problem.
 * Methods that take a stream of requests are left as they are; the handlers of the guarded
 * (unary) methods must go through unaryHandler(), which rejects a MalformedRequest.
 */
export function guardedService(
  definition: protoLoader.PackageDefinition,
  serviceName: string,
): grpc.ServiceDefinition {
  const service = definition[serviceName] as protoLoader.ServiceDefinition | undefined;
  if (service === undefined) throw new Error(`no service ${serviceName} in the definition`);
  const shapes = shapesOf(definition);
  const guarded = Object.entries(service).map(([name, method]) => {
    // A streamed request reaches a stream handler, which does not go through unaryHandler().
    if (method.requestStream) return [name, method] as const;
    const typeName = typeNameOf(definition, method.requestType);
    const original = method.requestDeserialize;
    const requestDeserialize = (bytes: Buffer): unknown => {
      try {
        const problem = firstProblem(bytes, typeName, shapes, "", 0);
        return problem === undefined ? original(bytes) : new MalformedRequest(problem);
      } catch (error: unknown) {
        return new MalformedRequest(
          `the request is not a valid ${typeName} (${String(bytes.byteLength)} bytes): ` +
            decodeFailure(error));
      }
    };
    return [name, { ...method, requestDeserialize }] as const;
  });
  return Object.fromEntries(guarded);
}

/**
 * The first problem in the wire bytes of a `typeName` message: a string field that is not
 * UTF-8, named by its path (`key`, `header.name`). Throws (from protobufjs's Reader) on bytes
 * that are not protobuf at all. Unknown fields are skipped, as proto3 requires.
 */
function firstProblem(
  bytes: Uint8Array,
  typeName: string,
  shapes: ReadonlyMap<string, MessageShape>,
  path: string,
  depth: number,
): string | undefined {
  const shape = shapes.get(typeName);
  if (shape === undefined) throw new Error(`no message type ${typeName}`);
  if (depth > NESTING_DEPTH_MAX) return `${path || "the request"} nests messages too deeply`;
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const fieldNumber = tag >>> 3;
    const wireType = tag & 7;
    const stringName = shape.strings.get(fieldNumber);
    const message = shape.messages.get(fieldNumber);
    if (wireType !== 2 || (stringName === undefined && message === undefined)) {
      reader.skipType(wireType);
      continue;
    }
    const value = reader.bytes();
    if (stringName !== undefined) {
      const offset = firstInvalidUtf8Offset(value);
      if (offset !== undefined) return invalidUtf8(`${path}${stringName}`, value, offset);
    } else if (message !== undefined) {
      const nested = firstProblem(value, message.typeName, shapes, `${path}${message.name}.`, depth + 1);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function invalidUtf8(field: string, value: Uint8Array, offset: number): string {
  const byte = value[offset]!.toString(16).padStart(2, "0");
  return `${field} is not valid UTF-8: byte ${String(offset)} (0x${byte}) does not start a ` +
    "well-formed UTF-8 sequence";
}

/** protobufjs's reasons in words a client can act on. */
function decodeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/index out of range/.test(message)) return "it ends in the middle of a field";
  return message;
}

/** Every message type in the definition, by fully qualified name. */
function shapesOf(definition: protoLoader.PackageDefinition): Map<string, MessageShape> {
  const messageTypes = Object.entries(definition).filter(
    (entry): entry is [string, protoLoader.MessageTypeDefinition<object, object>] =>
      isMessageType(entry[1]));
  const names = new Set(messageTypes.map(([typeName]) => typeName));
  const shapes = new Map<string, MessageShape>();
  for (const [typeName, entry] of messageTypes) {
    const descriptor = entry.type as MessageDescriptor;
    const strings = new Map<number, string>();
    const messages = new Map<number, { name: string; typeName: string }>();
    for (const field of descriptor.field) {
      if (field.type === "TYPE_STRING") strings.set(field.number, field.name);
      if (field.type === "TYPE_MESSAGE") {
        const fieldType = resolve(field.typeName, typeName, names);
        messages.set(field.number, { name: field.name, typeName: fieldType });
      }
    }
    shapes.set(typeName, { typeName, strings, messages });
  }
  return shapes;
}

/**
 * A field's message type by its fully qualified name. Descriptors may name it relative to
 * the message that holds the field (`Inner` in `t.v1.Outer`), so it is looked up the way
 * protoc resolves names: in the message's own scope first, then in each enclosing one.
 */
function resolve(typeName: string, holder: string, names: ReadonlySet<string>): string {
  if (typeName.startsWith(".")) return typeName.slice(1);
  const scope = holder.split(".");
  for (let depth = scope.length; depth >= 0; depth--) {
    const candidate = [...scope.slice(0, depth), typeName].join(".");
    if (names.has(candidate)) return candidate;
  }
  throw new Error(`message type ${typeName}, used in ${holder}, is not in the definition`);
}

function isMessageType(
  entry: protoLoader.AnyDefinition,
): entry is protoLoader.MessageTypeDefinition<object, object> {
  return "format" in entry && entry.format === "Protocol Buffer 3 DescriptorProto";
}

/**
 * The fully qualified name of a method's request type. proto-loader gives each method its
 * own copy of the type, so it is found by the file it comes from and its simple name.
 */
function typeNameOf(
  definition: protoLoader.PackageDefinition,
  type: protoLoader.MessageTypeDefinition<object, object>,
): string {
  const simpleName = (type.type as { name?: unknown }).name;
  const found = Object.entries(definition).filter(([typeName, entry]) =>
    isMessageType(entry) && entry.fileDescriptorProtos === type.fileDescriptorProtos &&
    typeof simpleName === "string" && typeName.endsWith(`.${simpleName}`));
  if (found.length !== 1) {
    throw new Error(`cannot tell which message type ${String(simpleName)} is (${String(found.length)} candidates)`);
  }
  return found[0]![0];
}
