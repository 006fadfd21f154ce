/** A short two-tone beep made with WebAudio (no audio files): a new emergency has reached the board. */
let context: AudioContext | null = null;

const audio = (): AudioContext | null => {
  try {
    context ??= new AudioContext();
    if (context.state === "suspended") void context.resume();
    return context;
  } catch {
    return null;
  }
};

/** Browsers start audio only after a user gesture: call this from one (a click or a key on the page). */
export const primeAudio = (): void => {
  audio();
};

export const beep = (): void => {
  const ctx = audio();
  if (!ctx) return;
  const start = ctx.currentTime + 0.01;
  [
    [0, 880],
    [0.22, 1175],
  ].forEach(([offset, frequency]) => {
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = frequency as number;
    const at = start + (offset as number);
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.2);
  });
};
