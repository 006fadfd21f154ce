/** A projection's state as of `checkpoint`, the position of the last event applied (-1: none). */
export interface Snapshot {
  name: string;
  version: number;
  checkpoint: number;
  state: unknown;
}

/** Where the runner keeps snapshots and checkpoints; a save of several snapshots is atomic. */
export interface SnapshotStore {
  load(name: string): Snapshot | undefined;
  save(snapshots: readonly Snapshot[]): void;
  delete(name: string): void;
  close(): void;
}

/** For tests and throwaway runs; states are copied through JSON, as the durable store would. */
export const createInMemorySnapshotStore = (): SnapshotStore => {
  const rows = new Map<string, string>();
  return {
    load: (name) => {
      const row = rows.get(name);
      return row === undefined ? undefined : (JSON.parse(row) as Snapshot);
    },
    save: (snapshots) => {
      for (const s of snapshots) rows.set(s.name, JSON.stringify(s));
    },
    delete: (name) => {
      rows.delete(name);
    },
    close: () => {},
  };
};
