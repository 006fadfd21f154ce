import type { IncomingMessage } from "node:http";
import { constants, deflateRawSync } from "node:zlib";
import { WebSocket } from "ws";

/** Shorter messages go out as they are: compressing them saves a few bytes for a zlib call. */
const COMPRESS_FROM_BYTES = 512;
/** RFC 7692 §7.2.1: a flushed DEFLATE block ends with these four bytes, which the sender leaves off. */
const FLUSH_TAIL_BYTES = 4;

/**
 * The permessage-deflate settings of a feed's server: the server keeps no compression context from one message
 * to the next (server_no_context_takeover), so one message compressed once is valid on every connection.
 */
export const SHARED_DEFLATE = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  // Everything the feed sends goes through `sendShared`, which never asks ws to compress: ws's own compression
  // is per connection, a thousand zlib calls for one change.
  threshold: Number.POSITIVE_INFINITY,
} as const;

/**
 * One message for many clients, serialised once and, for the clients that negotiated permessage-deflate (RFC
 * 7692; browsers always offer it), compressed once. In a burst to a thousand clients the bytes copied into the
 * sockets are the cost, not the JSON: a board change of ≈ 950 bytes compresses to a fifth or less in a batch.
 */
export interface SharedMessage {
  readonly plain: Buffer;
  /** The DEFLATE payload of the message, made on first use; undefined when it would not be smaller. */
  compressed(): Buffer | undefined;
}

export const sharedMessage = (content: string | Buffer): SharedMessage => {
  const plain = typeof content === "string" ? Buffer.from(content) : content;
  let deflated: Buffer | null | undefined;
  return {
    plain,
    compressed: () => {
      if (deflated === undefined) {
        if (plain.length < COMPRESS_FROM_BYTES) deflated = null;
        else {
          const flushed = deflateRawSync(plain, {
            level: constants.Z_BEST_SPEED,
            finishFlush: constants.Z_SYNC_FLUSH,
          });
          const payload = flushed.subarray(0, flushed.length - FLUSH_TAIL_BYTES);
          deflated = payload.length < plain.length ? payload : null;
        }
      }
      return deflated ?? undefined;
    },
  };
};

/**
 * Takes out of an upgrade request the permessage-deflate offers that limit the server's window
 * (server_max_window_bits): the shared messages are compressed with the default window of 2^15, so such a client
 * gets plain messages (RFC 7692 §5: declining an offer is the server's right). ws would accept the limit, or
 * refuse the whole handshake if told not to.
 */
export const declineLimitedWindows = (request: IncomingMessage): void => {
  const header = request.headers["sec-websocket-extensions"];
  if (header === undefined || !header.includes("server_max_window_bits")) return;
  const kept = header.split(",").filter((offer) => !offer.includes("server_max_window_bits"));
  if (kept.length > 0) request.headers["sec-websocket-extensions"] = kept.join(",");
  else delete request.headers["sec-websocket-extensions"];
};

/** ws's sender, which writes a framed message to the socket in order with everything else ws sends on it. */
interface FrameSender {
  sendFrame(list: Buffer[]): void;
}

/** How a connection takes shared messages: compressed when it negotiated permessage-deflate, else plain. */
export const deflateSenderOf = (socket: WebSocket): FrameSender | undefined => {
  if (!socket.extensions.split(",").includes("permessage-deflate")) return undefined;
  // ws has no public way to send bytes compressed beforehand; its sender's `sendFrame` is what its own `send`
  // ends in. Checked here, so that a ws without it falls back to plain messages instead of failing.
  const sender = (socket as unknown as { _sender?: Partial<FrameSender> })._sender;
  return typeof sender?.sendFrame === "function" ? (sender as FrameSender) : undefined;
};

/** The bytes `message` takes on a connection with this sender. */
export const sizeOn = (deflate: FrameSender | undefined, message: SharedMessage): number =>
  (deflate && message.compressed()?.length) || message.plain.length;

/** RFC 6455 §5.2: the header of a final, unmasked text frame with RSV1 set (compressed, RFC 7692 §6). */
const compressedTextFrameHeader = (length: number): Buffer => {
  const FIN_RSV1_TEXT = 0x80 | 0x40 | 0x1;
  if (length < 126) return Buffer.from([FIN_RSV1_TEXT, length]);
  if (length < 65_536) {
    const header = Buffer.from([FIN_RSV1_TEXT, 126, 0, 0]);
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = FIN_RSV1_TEXT;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
};

/**
 * Sends the message, compressed when the connection takes it. ws never compresses anything itself here
 * (`compress: false`), so its sender never queues and frames written directly stay in order with its own.
 */
export const sendShared = (
  socket: WebSocket,
  deflate: FrameSender | undefined,
  message: SharedMessage,
): void => {
  if (socket.readyState !== WebSocket.OPEN) return;
  const compressed = deflate ? message.compressed() : undefined;
  if (deflate && compressed) deflate.sendFrame([compressedTextFrameHeader(compressed.length), compressed]);
  else socket.send(message.plain, { binary: false, compress: false });
};
