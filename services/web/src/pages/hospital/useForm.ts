import { nextTick, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { ApiError, api, newIdempotencyKey } from "../../lib/api.js";
import { useErrorText } from "../../lib/errors.js";
import { aggregateId, type BoardItem, instantToSend, type Reference, toLocalInput } from "./model.js";
import { type Errors, fieldPath } from "./validation.js";

/**
 * State of one command form: field errors (client-side first, then the server's 400 field errors), a
 * form-level error in words (403, 409, network), and the Idempotency-Key, kept across retries after a
 * network failure so that a command is never applied twice.
 */
export const useForm = () => {
  const { t } = useI18n();
  const formElement = ref<HTMLFormElement | null>(null);
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

  /** Validates, then sends `body()` as the command to `url`. */
  const send = (url: string, validate: () => Errors, body: () => object) =>
    submit(validate, (key) => api.command(url, body(), key));

  return { t, formElement, errors, formError, busy, submit, send };
};

/** The time an event happened, now by default; sent only when the user changed it (see instantToSend). */
export const occurredNow = () => toLocalInput(new Date());

/** The props of a form acting on one board item that may send it elsewhere (decline, redirect). */
export interface ItemFormProps {
  item: BoardItem;
  reference: Reference | null;
  ownId: string;
  userName: string;
}

/** The command URL for one step on a board item: `/api/<collection>/<id>/<verb>`. */
export const itemUrl = (collection: "referrals" | "transfers", item: BoardItem, verb: string) =>
  `/api/${collection}/${encodeURIComponent(aggregateId(item))}/${verb}`;

/** A form for one step: its fields, and the occurredAt to send (left out when the user kept the default). */
export const useStepForm = <F extends { occurredAt: string }>(fields: F) => {
  const form = reactive(fields) as F;
  let defaultOccurredAt = form.occurredAt;
  const occurredAt = () => instantToSend(form.occurredAt, defaultOccurredAt);
  /** Puts the fields back to `blank`, with its occurredAt as the new default. */
  const reset = (blank: F) => {
    Object.assign(form, blank);
    defaultOccurredAt = form.occurredAt;
  };
  return { ...useForm(), form, occurredAt, reset };
};

/**
 * A form that creates a referral or transfer: its fields (from `blank`, reset by "another"), the created id and
 * the case id the service gave it (issue 8: case ids are the server's, never suggested by the page).
 */
export const useCreateForm = <F extends { occurredAt: string }>(blank: () => F, onReset = () => {}) => {
  const base = useStepForm(blank());
  const createdId = ref("");
  const createdCaseId = ref("");

  /** Sends; answers the created id, or undefined when it was not created. */
  const create = async (url: string, validate: () => Errors, body: () => object) => {
    const answer = await base.send(url, validate, body);
    if (!answer) return undefined;
    createdId.value = answer.id;
    createdCaseId.value = answer.caseId;
    return answer.id;
  };

  const another = async () => {
    base.reset(blank());
    onReset();
    createdId.value = "";
    createdCaseId.value = "";
    await nextTick();
    base.formElement.value?.querySelector<HTMLElement>("input, select, textarea")?.focus();
  };

  return { ...base, createdId, createdCaseId, create, another };
};
