/** Wakes waiting subscriptions when this process commits; the generation counter closes the read-then-wait race. */
export interface Notifier {
  generation(): number;
  notify(): void;
  /** Resolves at once if something was committed since `since`, else on the next commit, timeout or abort. */
  wait(since: number, timeoutMs: number, signal: AbortSignal): Promise<void>;
}

export function createNotifier(): Notifier {
  let generation = 0;
  const waiters = new Set<() => void>();
  return {
    generation: () => generation,
    notify() {
      generation++;
      for (const wake of [...waiters]) wake();
    },
    wait(since, timeoutMs, signal) {
      if (generation !== since || signal.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        const timer = setTimeout(wake, timeoutMs);
        waiters.add(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    },
  };
}
