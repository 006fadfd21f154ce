import { useI18n } from "vue-i18n";
import { ApiError } from "./api.js";

/** Turns any failure into words for the user (never a blank page or a console error). */
export const useErrorText = () => {
  const { t, te } = useI18n();
  // A refusal's reason in the reader's language when its code is known; the server's words otherwise.
  const detailOf = (error: ApiError): string =>
    error.code && te(`common.rejections.${error.code}`) ? t(`common.rejections.${error.code}`) : error.detail;
  return (error: unknown): string => {
    if (!(error instanceof ApiError)) return t("common.errors.other", { status: "?", detail: String(error) });
    if (error.status === 0) return t("common.errors.network");
    const known = [400, 401, 403, 404, 409, 413];
    return known.includes(error.status)
      ? t(`common.errors.${error.status}`, { detail: detailOf(error) })
      : t("common.errors.other", { status: error.status, detail: detailOf(error) });
  };
};
