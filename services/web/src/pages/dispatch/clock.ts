import { shallowRef } from "vue";

/** One clock for the whole page, ticking every second: elapsed times are computed on the client. */
export const now = shallowRef(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export const startClock = (): (() => void) => {
  users += 1;
  if (timer === undefined) {
    now.value = Date.now();
    timer = setInterval(() => {
      now.value = Date.now();
    }, 1_000);
  }
  return () => {
    users -= 1;
    if (users === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
};

const pad = (n: number): string => String(n).padStart(2, "0");

/** Elapsed time as m:ss, or h:mm:ss from an hour on. */
export const formatElapsed = (ms: number): string => {
  const total = Math.max(0, Math.floor(ms / 1_000));
  const hours = Math.floor(total / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
};

/** Wall-clock time as hh:mm (local time). */
export const formatClock = (date: Date | string): string => {
  const d = typeof date === "string" ? new Date(date) : date;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
