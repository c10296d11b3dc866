/**
 * An upper bound on how deep collections nest in a YAML text, found with the yaml package's
 * streaming lexer before its recursive composer runs (the composer overflows the call stack
 * on deep input, and V8 does not always survive running that close to the stack limit).
 */
import { Lexer } from 'yaml';

/** The lexer's marker before a scalar's source token. */
const SCALAR = '\u001f';

/**
 * At least the nesting depth of any collection in `text`, stopping once past `limit`. Flow
 * collections (`[`, `{`) are counted exactly; a block collection must be indented past its
 * parent or opened by a `- ` or `? ` on its line, so twice a line's indentation plus its
 * indicators bounds the block depth there.
 */
export function yamlDepthBound(text: string, limit: number): number {
  let deepest = 0;
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let lineStart = true;
  let scalarNext = false;
  const reach = (extra: number): boolean => {
    deepest = Math.max(deepest, 2 * (indent + indicators + 1) + flow + extra);
    return deepest > limit;
  };
  for (const token of new Lexer().lex(text)) {
    if (scalarNext) {
      scalarNext = false;
      lineStart = false;
      continue;
    }
    switch (token) {
      case SCALAR:
        scalarNext = true;
        continue;
      case '\n':
      case '\r\n':
        lineStart = true;
        indent = 0;
        indicators = 0;
        continue;
      case '[':
      case '{':
        flow += 1;
        if (reach(0)) return deepest;
        break;
      case ']':
      case '}':
        flow = Math.max(0, flow - 1);
        break;
      case '-':
      case '?':
        if (flow === 0) indicators += 1;
        if (reach(0)) return deepest;
        break;
      case ':':
        if (reach(1)) return deepest;
        break;
      default:
        if (lineStart && token.trim() === '') indent = token.length;
    }
    lineStart = false;
  }
  return deepest;
}
