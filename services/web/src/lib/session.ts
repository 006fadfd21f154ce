import { ref } from "vue";
import type { SessionUser } from "./api.js";

/** The logged-in user, kept for the browser tab only (sessionStorage), never in localStorage. */
const load = (): { token: string; user: SessionUser } | null => {
  const raw = sessionStorage.getItem("mtc.session");
  return raw ? (JSON.parse(raw) as { token: string; user: SessionUser }) : null;
};

const initial = load();
const token = ref<string | null>(initial?.token ?? null);
const user = ref<SessionUser | null>(initial?.user ?? null);

export const session = {
  token,
  user,
  login: (next: { token: string; user: SessionUser }) => {
    token.value = next.token;
    user.value = next.user;
    sessionStorage.setItem("mtc.session", JSON.stringify(next));
  },
  logout: () => {
    token.value = null;
    user.value = null;
    sessionStorage.removeItem("mtc.session");
  },
};
