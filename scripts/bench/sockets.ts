import { WebSocket } from "ws";

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
