/** Judging metrics against gates, shared by every part that decides on a version's metrics. */

import type { Gate } from './common.js';

/** `accuracy 0.85 is below the minimum 0.9`, one entry per failed gate; empty when all pass. */
export function failedGates(
  gates: readonly Gate[],
  metrics: Readonly<Record<string, number>>,
): string[] {
  const failures: string[] = [];
  for (const gate of gates) {
    const value = metrics[gate.metric];
    if (value === undefined) failures.push(`metric ${gate.metric} is not reported`);
    else if (gate.min !== undefined && value < gate.min)
      failures.push(`${gate.metric} ${value} is below the minimum ${gate.min}`);
    else if (gate.max !== undefined && value > gate.max)
      failures.push(`${gate.metric} ${value} is above the maximum ${gate.max}`);
  }
  return failures;
}
