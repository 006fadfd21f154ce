import type { SummaryContext } from "../auditor/summary.js";

/** An issued or requested quantity as the events hold it. */
interface Quantity {
  product: string;
  unit: string;
  quantity: number;
  group?: { abo: string; rhD: string };
  substitute?: boolean;
}

const word = (ctx: SummaryContext, key: string, fallback: string) => (ctx.te(key) ? ctx.t(key) : fallback);
const groupText = (ctx: SummaryContext, g: { abo: string; rhD: string }) =>
  `${word(ctx, `blood.abo.${g.abo}`, g.abo)} ${word(ctx, `blood.rhD.${g.rhD}`, g.rhD)}`;
const quantityText = (ctx: SummaryContext, q: Quantity) =>
  [
    `${word(ctx, `blood.products.${q.product}`, q.product)} ${q.quantity} ${word(ctx, `blood.units.${q.unit}`, q.unit)}`,
    q.group ? groupText(ctx, q.group) : "",
    q.substitute ? word(ctx, "blood.summary.substitute", "substitute") : "",
  ]
    .filter(Boolean)
    .join(" ");

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const listOf = (value: unknown, field: string): Record<string, unknown>[] | undefined =>
  Array.isArray(value) && value.every((v) => isObject(v) && field in v)
    ? (value as Record<string, unknown>[])
    : undefined;
const known = (ctx: SummaryContext, key: string) => (ctx.te(key) ? ctx.t(key) : undefined);

/**
 * The blood events' fields in words for the auditor's timeline (000 §二十二): groups, products in their units,
 * cold-chain readings, transport. Undefined for anything else, or a field of another shape, which the timeline
 * then shows as it shows every field.
 */
export const bloodValueText = (ctx: SummaryContext, key: string, value: unknown): string | undefined => {
  const sep = ctx.t("auditor.listSep");
  switch (key) {
    case "bloodGroup":
      return isObject(value) && "abo" in value
        ? groupText(ctx, value as { abo: string; rhD: string })
        : undefined;
    case "products":
    case "items":
      return listOf(value, "product")
        ?.map((q) => quantityText(ctx, q as unknown as Quantity))
        .join(sep);
    case "temperatures":
      return listOf(value, "celsius")
        ?.map(
          (r) =>
            `${word(ctx, `blood.products.${String(r.product)}`, String(r.product))} ${String(r.celsius)} °C`,
        )
        .join(sep);
    case "destination":
      return isObject(value) && "place" in value
        ? `${ctx.institutionName(String(value.institutionId))} · ${String(value.place)}`
        : undefined;
    case "bloodStationId":
      return ctx.institutionName(String(value));
    case "phase":
      return known(ctx, `blood.phases.${String(value)}`);
    case "indication":
      return known(ctx, `blood.indications.${String(value)}`);
    case "transport":
      return known(ctx, `blood.transport.${String(value)}`);
    default:
      return undefined;
  }
};
