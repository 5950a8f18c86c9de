import { z } from 'zod';

/** Milliseconds per accepted unit: minutes, hours, days, weeks. */
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const DURATION = /^([1-9][0-9]{0,5})(m|h|d|w)$/;

/**
 * A duration as the config writes it: a positive whole number and a unit, `90m`, `12h`, `30d`,
 * `2w` (minutes, hours, days, weeks; at most 6 digits). Returns milliseconds, or undefined when
 * `text` is not one.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * A config duration (see `parseDuration`) as a zod schema: the output is the text as written (so
 * a config round-trips), validated; an invalid one fails with a message naming the accepted forms.
 */
export const durationSchema = z.string().refine((text) => parseDuration(text) !== undefined, {
  message: "must be a duration like '90m', '12h', '30d' or '2w' (a positive whole number, then m, h, d or w)",
});
