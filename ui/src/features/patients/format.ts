// Display helpers for patient data (pure, locale-independent parts).

type NameParts = { given_name: string; middle_name: string; family_name: string };

/** "Family, Given Middle" — the front-desk convention for telling patients apart. */
export function formatName(p: NameParts): string {
  const first = [p.given_name, p.middle_name].map((s) => s.trim()).filter(Boolean).join(" ");
  const family = p.family_name.trim();
  if (!family) return first;
  return first ? `${family}, ${first}` : family;
}

/** Completed years and months between an ISO birth date and `today` (both `YYYY-MM-DD`). */
export function ageOn(dob: string, today: string): { years: number; months: number } | null {
  const parse = (s: string) => /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)?.slice(1).map(Number);
  const b = parse(dob);
  const t = parse(today);
  if (!b || !t) return null;
  const [by, bm, bd] = b as [number, number, number];
  const [ty, tm, td] = t as [number, number, number];
  let months = (ty - by) * 12 + (tm - bm);
  if (td < bd) months -= 1;
  if (months < 0) return null;
  return { years: Math.floor(months / 12), months };
}
