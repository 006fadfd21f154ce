import { DeadlineExceededError, NotLeaderError, TimeoutError, UnavailableError } from "@eventstore/db-client";
import { StoreUnavailableError } from "../port.js";

/** gRPC status codes (grpc/doc/statuscodes.md) the client sometimes leaves unconverted, e.g. on append. */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

const isGrpcStatus = (error: unknown, code: number): boolean =>
  error instanceof Error && "code" in error && error.code === code && "details" in error;

function unavailableDetail(error: unknown): string | undefined {
  if (error instanceof NotLeaderError)
    return "the EventStoreDB node is not the leader and the leader cannot be reached";
  if (
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    isGrpcStatus(error, GRPC_DEADLINE_EXCEEDED)
  )
    return "EventStoreDB did not answer in time";
  if (error instanceof UnavailableError || isGrpcStatus(error, GRPC_UNAVAILABLE))
    return "EventStoreDB cannot be reached";
  // Cluster discovery gives up with a plain Error (db-client Client/discovery.js).
  if (error instanceof Error && error.message.startsWith("Failed to discover"))
    return "no EventStoreDB cluster node can be reached";
  return undefined;
}

/** The store-neutral error for an EventStoreDB connection, deadline or leader failure; undefined for anything else. */
export function classifyEsdbError(error: unknown): StoreUnavailableError | undefined {
  const detail = unavailableDetail(error);
  return detail === undefined
    ? undefined
    : new StoreUnavailableError("unreachable", detail, { cause: error });
}

/** Awaits a store call, turning connection failures into `StoreUnavailableError`. */
export async function guardedEsdb<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw classifyEsdbError(error) ?? error;
  }
}
