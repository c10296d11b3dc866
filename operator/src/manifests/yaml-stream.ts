/**
 * YAML text to documents with bounded work: the yaml package's lexer, parser and composer
 * driven by hand, so the number of tokens can be capped before the concrete syntax tree (a
 * few hundred bytes per token) grows past it, and map keys checked for duplicates in one
 * pass instead of the composer's pairwise check.
 */
import {
  Composer,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  Parser,
  type CST,
  type Document,
  type LineCounter,
  type Node,
} from 'yaml';

/** The text holds more tokens than the budget allows; nothing of it was composed. */
export class TokenBudgetExceeded extends Error {
  override readonly name = 'TokenBudgetExceeded';
  constructor(readonly budget: number) {
    super(`more than ${budget} YAML tokens`);
  }
}

/**
 * Every document of `text`, with `lineCounter` filled in for positions. Throws
 * {@link TokenBudgetExceeded} as soon as the lexer has produced `budget` tokens. Map keys
 * are not checked for uniqueness here: see {@link duplicateKeys}.
 */
export function composeDocuments(
  text: string,
  lineCounter: LineCounter,
  budget: number,
): Document.Parsed[] {
  const composer = new Composer({ uniqueKeys: false });
  return Array.from(composer.compose(syntaxTokens(text, lineCounter, budget)));
}

function* syntaxTokens(
  text: string,
  lineCounter: LineCounter,
  budget: number,
): Generator<CST.Token> {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  let count = 0;
  for (const lexeme of new Lexer().lex(text)) {
    count += 1;
    if (count > budget) throw new TokenBudgetExceeded(budget);
    yield* parser.next(lexeme);
  }
  yield* parser.end();
}

/** A key that repeats one earlier in the same mapping. */
export interface DuplicateKey {
  readonly key: string;
  /** Where the repeated key starts in the text. */
  readonly offset: number;
}

/**
 * The repeated scalar keys of every mapping in `document`, in one iterative pass (a Set per
 * mapping). Keys compare as their JSON form does: `1` and `"1"` both become `"1"`. The merge
 * key `<<` may repeat, as YAML 1.1 merges allow.
 */
export function duplicateKeys(document: Document.Parsed): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const pending: unknown[] = [document.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isAlias(node) || isScalar(node)) continue;
    if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        pending.push(pair.value);
        if (!isScalar(pair.key)) {
          pending.push(pair.key);
          continue;
        }
        const key = String(pair.key.value);
        if (key === '<<') continue;
        if (seen.has(key)) found.push({ key, offset: (pair.key as Node).range?.[0] ?? 0 });
        else seen.add(key);
      }
    }
  }
  return found;
}
