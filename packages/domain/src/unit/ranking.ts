import { distanceKm } from "../reference/distance.js";
import type { ReferenceLookup } from "../reference/lookup.js";
import type { AmbulanceType } from "../reference/reference.js";
import type { UnitStatus } from "./events.js";
import { DISPATCHABLE } from "./unit.js";

/** What the fleet knows of a unit now; a unit it does not list is available. */
export interface UnitNow {
  status: UnitStatus;
  since: string | null;
  transferId: string | null;
}

export interface UnitOption {
  ambulanceId: string;
  callSign: string;
  type: AmbulanceType;
  baseInstitutionId: string;
  status: UnitStatus;
  since: string | null;
  transferId: string | null;
  /** Its type is one the transfer requires (000 §十二(三)(四)(六), R-TRF-2, R-TRF-3, R-TRF-5). */
  fits: boolean;
  /** Available or back in service. */
  dispatchable: boolean;
  /** Awaiting disinfection after an infectious-disease transfer: not dispatchable even with an override, R-TRF-5. */
  blocked: boolean;
  /** An override reason is needed to send it (wrong type, or not free); false for a blocked unit. */
  needsOverride: boolean;
  /** Straight-line km from its station to the origin; null when either has no coordinates. */
  distanceKm: number | null;
}

const group = (o: UnitOption): number =>
  o.blocked ? 4 : o.fits && o.dispatchable ? 0 : o.dispatchable ? 1 : o.fits ? 2 : 3;

/**
 * The units for a transfer, best first (issue 9 §4): available units of a fitting type, nearest to the origin
 * first (units without a known distance after those with one), then available units of another type, then busy
 * units that fit, then the rest, and last the units awaiting disinfection.
 */
export const rankUnits = (
  reference: ReferenceLookup,
  required: readonly AmbulanceType[],
  originInstitutionId: string,
  now: (ambulanceId: string) => UnitNow | undefined,
): UnitOption[] => {
  const origin = reference.institution(originInstitutionId)?.location;
  const options = reference.data.ambulances.map((ambulance): UnitOption => {
    const current = now(ambulance.id) ?? { status: "available", since: null, transferId: null };
    const base = reference.institution(ambulance.baseInstitutionId)?.location;
    const fits = required.includes(ambulance.type);
    const dispatchable = DISPATCHABLE.includes(current.status);
    const blocked = current.status === "disinfection_pending";
    return {
      ambulanceId: ambulance.id,
      callSign: ambulance.callSign,
      type: ambulance.type,
      baseInstitutionId: ambulance.baseInstitutionId,
      status: current.status,
      since: current.since,
      transferId: current.transferId,
      fits,
      dispatchable,
      blocked,
      needsOverride: !blocked && !(fits && dispatchable),
      distanceKm: origin && base ? Math.round(distanceKm(base, origin) * 10) / 10 : null,
    };
  });
  return options.sort(
    (a, b) =>
      group(a) - group(b) ||
      (a.distanceKm ?? Number.POSITIVE_INFINITY) - (b.distanceKm ?? Number.POSITIVE_INFINITY) ||
      a.callSign.localeCompare(b.callSign),
  );
};
