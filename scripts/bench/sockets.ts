import { WebSocket } from "ws";

/**
 * Whether the bench's board clients offer permessage-deflate, as browsers always do (BENCH_WS_DEFLATE=1). Off by
 * default: a thousand clients on the server's own two cores would each decompress what real clients decompress
 * on their own machines, and the raw-ws baseline sends plain.
 */
export const OFFER_DEFLATE = process.env.BENCH_WS_DEFLATE === "1";

/** The bytes a client has read from its TCP connection: what crossed the wire, compressed or not. */
export const wireBytesOf = (socket: WebSocket): number =>
  (socket as unknown as { _socket?: { bytesRead: number } })._socket?.bytesRead ?? 0;

/** Cuts every client socket at once and resolves when all are closed (a bench's client process ending). */
export const terminateAll = (sockets: readonly WebSocket[]): Promise<void> =>
  Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once("close", () => resolve());
          socket.terminate();
        }),
    ),
  ).then(() => undefined);
