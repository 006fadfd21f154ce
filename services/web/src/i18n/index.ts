import { createI18n } from "vue-i18n";

/**
 * Message catalogues, one pair per area (`common.zh-CN.json` / `common.en.json`, `dispatch.…`, `hospital.…`,
 * `auditor.…`), merged under the area's name: `t("dispatch.title")`. No text is hard-coded in components.
 */
type Catalogue = Record<string, unknown>;
const files = import.meta.glob<Catalogue>("./*.json", { eager: true, import: "default" });

export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];

const messages = Object.fromEntries(
  LOCALES.map((locale) => [locale, {} as Record<string, Catalogue>]),
) as Record<Locale, Record<string, Catalogue>>;
for (const [path, catalogue] of Object.entries(files)) {
  const match = /^\.\/(\w+)\.(zh-CN|en)\.json$/.exec(path);
  if (match) messages[match[2] as Locale][match[1] as string] = catalogue;
}

const stored = localStorage.getItem("mtc.locale");
export const i18n = createI18n({
  legacy: false,
  locale: stored === "en" ? "en" : "zh-CN",
  fallbackLocale: "zh-CN",
  messages,
});

export const setLocale = (locale: Locale): void => {
  i18n.global.locale.value = locale;
  localStorage.setItem("mtc.locale", locale);
  document.documentElement.lang = locale;
};
