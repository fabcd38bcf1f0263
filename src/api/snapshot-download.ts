import * as grpc from "@grpc/grpc-js";
import type { SnapshotChunk } from "../gen/raftkv/cluster/v1/SnapshotChunk.js";
import type { SnapshotRequest__Output } from "../gen/raftkv/cluster/v1/SnapshotRequest.js";
import type { Logger } from "../observability/logger.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";
import { toGrpcStatus } from "./grpc-status.js";

/** Bytes per streamed message: well under gRPC's default 4 MiB client limit. */
export const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * Cluster.Snapshot: takes a snapshot now (`take`, RaftNode.takeSnapshot) and streams it to
 * the caller, a backup (etcdctl snapshot save). Read a chunk at a time from the stored file
 * and written only as fast as the client takes them ('drain'), so neither side holds the
 * whole snapshot; the first message names index, term, size and SHA-256 for the client to
 * verify. The snapshot stays in the member's store as a normal one.
 */
export function snapshotDownloadHandler(options: {
  readonly take: () => Promise<StoredSnapshot>;
  readonly logger: Logger;
  /** Refuses (throws) when the member may not serve, e.g. it was removed. */
  readonly admit: () => void;
}): grpc.handleServerStreamingCall<SnapshotRequest__Output, SnapshotChunk> {
  return (call) => {
    const state = { cancelled: false };
    call.on("cancelled", () => {
      state.cancelled = true;
    });
    const fail = (error: unknown): void => {
      if (state.cancelled) return;
      const status = toGrpcStatus(error, () => undefined);
      if (status.code === grpc.status.INTERNAL) {
        options.logger.error("snapshot download failed", {
          error: error instanceof Error ? error.stack ?? error.message : String(error),
        });
      }
      call.emit("error", { code: status.code, details: status.details, metadata: status.metadata });
    };
    void (async () => {
      options.admit();
      const snapshot = await options.take();
      let offset = 0;
      do {
        if (state.cancelled) return;
        const data = snapshot.readChunk(offset, DOWNLOAD_CHUNK_BYTES);
        const chunk: SnapshotChunk = { offset: String(offset), data };
        if (offset === 0) {
          chunk.info = {
            index: String(snapshot.meta.index), term: String(snapshot.meta.term),
            size_bytes: String(snapshot.sizeBytes), sha256: snapshot.sha256,
          };
        }
        offset += data.byteLength;
        if (!call.write(chunk)) {
          // A client that goes away never drains: cancellation ends the wait too.
          await new Promise<void>((resolve) => {
            call.once("drain", () => resolve());
            call.once("cancelled", () => resolve());
          });
        }
      } while (offset < snapshot.sizeBytes);
      options.logger.info("snapshot downloaded", {
        index: snapshot.meta.index, bytes: snapshot.sizeBytes,
      });
      call.end();
    })().catch(fail);
  };
}
