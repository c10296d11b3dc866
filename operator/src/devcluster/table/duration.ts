/**
 * Ages as `kubectl get` shows them, following apimachinery's `duration.HumanDuration`:
 * seconds below 2 minutes, `XmYs` below 10 minutes, minutes below 3 hours, `XhYm` below
 * 8 hours, hours below 2 days, `XdYh` below 8 days, days below 2 years, `XyYd` below 8
 * years, then years. Up to 2 s in the future reads as "0s"; further is "<invalid>".
 */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const rest = seconds % 60;
    return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const rest = hours % 24;
    return rest === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${rest}h`;
  }
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) {
    const rest = days % 365;
    const years = Math.trunc(days / 365);
    return rest === 0 ? `${years}y` : `${years}y${rest}d`;
  }
  return `${Math.trunc(days / 365)}y`;
}

/** The age of an RFC 3339 timestamp at `now`, or undefined when it does not parse. */
export function ageOf(timestamp: string, now: number): string | undefined {
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? undefined : humanDuration(now - at);
}
