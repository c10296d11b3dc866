/**
 * Watch event lines, `{"type","object"}` and a newline. A stored object served as stored
 * is spliced in as the text the store keeps, never serialised again; a change fanned out
 * to many watches is parsed once and each of its lines encoded once, so every watch
 * writes the same bytes.
 */
import type { JsonObject } from '../core/json.js';
import type { ResourceType } from '../registry/types.js';
import type { Change } from '../storage/store.js';
import type { IncludeObject } from '../table/table.js';
import { render, type Rendering } from './read.js';

/** How one watch shows objects. */
export interface WatchRendering {
  type: ResourceType;
  rendering: Rendering;
  include: IncludeObject;
}

/** The line for an event about any object (a BOOKMARK, an ERROR). */
export function eventLine(eventType: string, object: JsonObject): Buffer {
  return Buffer.from(`${JSON.stringify({ type: eventType, object })}\n`);
}

/** The line for an event about the stored object `object`, whose stored text is `text`. */
export function storedEventLine(
  eventType: string,
  object: JsonObject,
  text: string,
  view: WatchRendering,
  now: number,
): Buffer {
  const shown = render(view.type, object, view.rendering, now, view.include);
  if (shown !== object) return eventLine(eventType, shown);
  return Buffer.from(`{"type":${JSON.stringify(eventType)},"object":${text}}\n`);
}

/**
 * One committed change as all watches see it. Its objects are parsed on first use and its
 * lines cached per resource type, event type and rendering (tables, whose age columns
 * depend on the time, are rendered each time).
 */
export class SharedChange {
  private parsed: JsonObject | undefined;
  private parsedPrevious: JsonObject | undefined;
  private readonly lines = new Map<ResourceType, Map<string, Buffer>>();

  constructor(readonly change: Change) {}

  /** The object after the change (shared: callers must not mutate it). */
  get object(): JsonObject {
    this.parsed ??= JSON.parse(this.change.text) as JsonObject;
    return this.parsed;
  }

  /** The object before the change, when there was one (shared: must not be mutated). */
  get previous(): JsonObject | undefined {
    if (this.change.previous === undefined) return undefined;
    this.parsedPrevious ??= JSON.parse(this.change.previous) as JsonObject;
    return this.parsedPrevious;
  }

  /** The line announcing the object after the change as `eventType`. */
  line(eventType: string, view: WatchRendering, now: number): Buffer {
    if (view.rendering === 'table')
      return storedEventLine(eventType, this.object, this.change.text, view, now);
    let byType = this.lines.get(view.type);
    if (byType === undefined) {
      byType = new Map();
      this.lines.set(view.type, byType);
    }
    const key = `${eventType} ${view.rendering}`;
    let line = byType.get(key);
    if (line === undefined) {
      line = storedEventLine(eventType, this.object, this.change.text, view, now);
      byType.set(key, line);
    }
    return line;
  }
}
