import { nextTick, type Ref, ref } from "vue";
import { useI18n } from "vue-i18n";
import { ApiError, newIdempotencyKey } from "../../lib/api.js";
import { useErrorText } from "../../lib/errors.js";
import { type Errors, fieldPath } from "./validation.js";

/**
 * State of one command form: field errors (client-side first, then the server's 400 field errors), a
 * form-level error in words (403, 409, network), and the Idempotency-Key, kept across retries after a
 * network failure so that a command is never applied twice.
 */
export const useForm = (formElement: Ref<HTMLFormElement | null>) => {
  const { t } = useI18n();
  const errorText = useErrorText();
  const errors = ref<Errors>({});
  const formError = ref("");
  const busy = ref(false);
  let key = newIdempotencyKey();

  const focusFirstInvalid = async () => {
    await nextTick();
    const invalid = formElement.value?.querySelector<HTMLElement>('[aria-invalid="true"]');
    // A group (fieldset) marked invalid: its first control takes the focus.
    const control = invalid?.matches("input, select, textarea")
      ? invalid
      : invalid?.querySelector<HTMLElement>("input, select, textarea");
    (control ?? formElement.value?.querySelector<HTMLElement>('[data-testid="form-error"]'))?.focus();
  };

  /** Validates, then sends; answers the API's answer, or undefined when it was not sent or failed. */
  const submit = async <T>(
    validate: () => Errors,
    send: (key: string) => Promise<T>,
  ): Promise<T | undefined> => {
    if (busy.value) return undefined;
    formError.value = "";
    errors.value = validate();
    if (Object.keys(errors.value).length > 0) {
      formError.value = t("hospital.form.fixFields");
      await focusFirstInvalid();
      return undefined;
    }
    busy.value = true;
    try {
      const answer = await send(key);
      key = newIdempotencyKey();
      return answer;
    } catch (error) {
      // A definitive answer ends this attempt; after a network failure the retry keeps its key.
      if (!(error instanceof ApiError) || error.status !== 0) key = newIdempotencyKey();
      const fields: Errors = {};
      if (error instanceof ApiError && error.status === 400) {
        for (const [path, message] of Object.entries(error.fieldErrors())) {
          const at = fieldPath(path);
          if (!(at in fields)) fields[at] = message;
        }
      }
      errors.value = fields;
      const listed = Object.entries(fields).map(([path, message]) => `${path}: ${message}`);
      formError.value = [errorText(error), ...listed].join("；");
      await focusFirstInvalid();
      return undefined;
    } finally {
      busy.value = false;
    }
  };

  return { errors, formError, busy, submit };
};
