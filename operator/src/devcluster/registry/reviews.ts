/**
 * The review kinds `kubectl auth can-i` and `kubectl auth whoami` post. devcluster has
 * one user, `devcluster`, who may do everything (it authorizes nothing), so every access
 * review is allowed.
 */
import { clone, isObject, type JsonObject } from '../core/json.js';

function withStatus(body: JsonObject, status: JsonObject): JsonObject {
  const answer = clone(body);
  const metadata = isObject(answer['metadata']) ? answer['metadata'] : {};
  answer['metadata'] = { ...metadata, creationTimestamp: null };
  answer['status'] = status;
  return answer;
}

/** SelfSubjectAccessReview: allowed, as an authorizer that allows everything answers. */
export function allowEverything(body: JsonObject): JsonObject {
  return withStatus(body, { allowed: true, reason: 'devcluster allows every request' });
}

/** SelfSubjectReview: the caller's user info. */
export function describeCaller(body: JsonObject): JsonObject {
  return withStatus(body, {
    userInfo: { username: 'devcluster', groups: ['system:masters', 'system:authenticated'] },
  });
}
