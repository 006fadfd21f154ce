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

/** Why the user was sent back to the login page (a message-catalogue key), shown there once. */
const notice = ref<string | null>(null);

export const session = {
  token,
  user,
  notice,
  login: (next: { token: string; user: SessionUser }) => {
    notice.value = null;
    token.value = next.token;
    user.value = next.user;
    sessionStorage.setItem("mtc.session", JSON.stringify(next));
  },
  logout: (reason: string | null = null) => {
    notice.value = reason;
    token.value = null;
    user.value = null;
    sessionStorage.removeItem("mtc.session");
  },
};
