/**
 * A plan as the controller's summarize step writes it: the plan's status body with the
 * conditions `summarizeStatus` derives from its summary. Plan tables assert on this, what
 * `kubectl get` would show after the reconcile.
 */
import {
  summarizeStatus,
  type StepOutcome,
  type SummarizedStatus,
} from '../../operator/src/runtime/summarize.js';

export function summarized<S extends SummarizedStatus, P extends StepOutcome<S>>(
  object: { metadata: { generation?: number }; status?: S },
  plan: P,
  nowMs: number,
): P {
  const status = summarizeStatus(
    object.status,
    object.metadata.generation ?? 0,
    { ok: true, outcome: plan },
    nowMs,
  );
  return { ...plan, status };
}
