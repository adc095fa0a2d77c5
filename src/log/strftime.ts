/**
 * Python's `time.strftime` for log timestamps (`datefmt=` of a logging.conf formatter), in
 * local time. The codes of the C library that Python passes through: `%Y %m %d %H %M %S`,
 * `%y %b %B %a %A %j %I %p %z %Z %e %s %F %T %D %R %c %x %X %%`.
 */
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const two = (n: number): string => String(n).padStart(2, '0');

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.round((d.getTime() - start.getTime()) / 86_400_000) + 1;
}

function offset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? offset(d);
}

const CODES: Readonly<Record<string, (d: Date) => string>> = {
  Y: (d) => String(d.getFullYear()),
  y: (d) => two(d.getFullYear() % 100),
  m: (d) => two(d.getMonth() + 1),
  d: (d) => two(d.getDate()),
  e: (d) => String(d.getDate()).padStart(2, ' '),
  H: (d) => two(d.getHours()),
  I: (d) => two(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12),
  M: (d) => two(d.getMinutes()),
  S: (d) => two(d.getSeconds()),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  b: (d) => (MONTHS[d.getMonth()] ?? '').slice(0, 3),
  h: (d) => (MONTHS[d.getMonth()] ?? '').slice(0, 3),
  B: (d) => MONTHS[d.getMonth()] ?? '',
  a: (d) => (DAYS[d.getDay()] ?? '').slice(0, 3),
  A: (d) => DAYS[d.getDay()] ?? '',
  j: (d) => String(dayOfYear(d)).padStart(3, '0'),
  w: (d) => String(d.getDay()),
  z: offset,
  Z: zoneName,
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  F: (d) => strftime('%Y-%m-%d', d),
  T: (d) => strftime('%H:%M:%S', d),
  D: (d) => strftime('%m/%d/%y', d),
  R: (d) => strftime('%H:%M', d),
  c: (d) => strftime('%a %b %e %H:%M:%S %Y', d),
  x: (d) => strftime('%m/%d/%y', d),
  X: (d) => strftime('%H:%M:%S', d),
  '%': () => '%',
};

/** Formats `date` with strftime codes; an unknown code is kept as written, as glibc does. */
export function strftime(format: string, date: Date): string {
  return format.replace(/%(.)/g, (whole, code: string) => CODES[code]?.(date) ?? whole);
}
