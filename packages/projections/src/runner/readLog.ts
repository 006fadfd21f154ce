import { categoryOf, type EventStore, type ReadAllOptions, type RecordedEvent } from "@mtc/eventstore";

/**
 * How the runner reads the log for some categories. The embedded store's category filter (an index merge and a
 * sort per page) cost twice an unfiltered page, and the read models take nearly every stream anyway, so there
 * the log is read whole and filtered here; EventStoreDB filters on the server, where it saves the transfer.
 */
export const logReader = (store: EventStore, categories: readonly string[] | undefined) => {
  const inProcess = categories !== undefined && store.kind === "embedded";
  const wanted = new Set(categories ?? []);
  const filter: Pick<ReadAllOptions, "categories"> = categories && !inProcess ? { categories } : {};
  return {
    filter,
    keep: (event: RecordedEvent): boolean => !inProcess || wanted.has(categoryOf(event.streamId)),
  };
};
