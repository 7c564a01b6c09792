import { Composer, Lexer, LineCounter, Parser, isPair, isScalar, visit, type CST, type Document } from 'yaml';
import {
  INPUT_LIMITS,
  checkTextSize,
  checkValue,
  tooDeep,
  tooManyAliases,
  tooManyDocuments,
  type InputLimits,
} from './limits';
import { error, type Problem } from './problems';

/*
 * YAML (and JSON) text to plain values, within the input limits. The `yaml` package's parser keeps its own
 * stack, but composing and converting recurse once per level, and aliases can expand without end: so the
 * text is measured while it is parsed (size, documents, nesting, aliases) and each document is converted
 * only once it is known to be within bounds.
 */

/** One document of a text: its value, or the problems that kept it from being read. */
export interface YamlDocument {
  readonly index: number;
  readonly value?: unknown;
  readonly problems: readonly Problem[];
}

interface CstScan {
  /** Offset of the first collection nested deeper than the limit. */
  readonly deepAt?: number;
  /** Offset of the first alias past the limit. */
  readonly aliasOverflowAt?: number;
  /** Each alias name and where it first occurs. */
  readonly aliases: ReadonlyMap<string, number>;
}

/** Nesting and aliases of a parsed document, without recursion (the tree may be deep). */
function scanDocument(token: CST.Document, limits: InputLimits): CstScan {
  const aliases = new Map<string, number>();
  let aliasCount = 0;
  const stack: Array<[CST.Token | null | undefined, number]> = [[token.value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === undefined || node === null) continue;
    if (node.type === 'alias') {
      aliasCount++;
      if (aliasCount > limits.maxAliasCount) return { aliasOverflowAt: node.offset, aliases };
      const name = node.source.slice(1);
      if (!aliases.has(name)) aliases.set(name, node.offset);
    }
    if (
      'items' in node &&
      (node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection')
    ) {
      if (depth > limits.maxDepth) return { deepAt: node.offset, aliases };
      // Pushed last to first, so that the document is scanned in order (the first alias over the limit).
      const items = node.items as ReadonlyArray<{ key?: CST.Token | null; value?: CST.Token }>;
      for (let i = items.length - 1; i >= 0; i--) stack.push([items[i].value, depth + 1], [items[i].key, depth + 1]);
    }
  }
  return { aliases };
}

/** The key of the pair whose key starts at `offset`, for a duplicate-key message. */
function keyAt(doc: Document, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Reads every document of a YAML or JSON text (empty documents are kept as `value: undefined`). Problems of
 * the text itself carry the line and column they were found at.
 */
export function readYamlText(text: string, limits: InputLimits = INPUT_LIMITS): YamlDocument[] {
  const size = checkTextSize(text, limits);
  if (size !== undefined) return [{ index: 0, problems: [size] }];
  const lines = new LineCounter();
  // Parser.parse() would mark the first line; driving the parser lexeme by lexeme, it is ours to do.
  lines.addNewLine(0);
  const at = (offset: number, problem: Problem): Problem => {
    const { line, col } = lines.linePos(offset);
    return line === 0 ? problem : { ...problem, line, column: col };
  };
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer({ uniqueKeys: true, schema: 'core' });
  // A slot per document, in order: its scan, or why it was not composed.
  const slots: Array<{ scan?: CstScan; problem?: Problem }> = [];
  const composed: Document.Parsed[] = [];
  const take = (token: CST.Token): boolean => {
    if (token.type === 'document') {
      if (slots.length === limits.maxDocuments) {
        slots.push({ problem: tooManyDocuments(limits) });
        return false;
      }
      const scan = scanDocument(token, limits);
      if (scan.deepAt !== undefined) {
        slots.push({ problem: at(scan.deepAt, tooDeep('', limits)) });
        return true;
      }
      if (scan.aliasOverflowAt !== undefined) {
        slots.push({ problem: at(scan.aliasOverflowAt, tooManyAliases(limits)) });
        return true;
      }
      slots.push({ scan });
    }
    for (const doc of composer.next(token)) composed.push(doc);
    return true;
  };
  // The parser's stack grows with the nesting of the document being read: stop long before it matters.
  const stackLimit = 2 * limits.maxDepth + 8;
  let reading = true;
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) reading &&= take(token);
    if (!reading) break;
    if (parser.stack.length > stackLimit) {
      slots.push({ problem: at(parser.offset, tooDeep('', limits)) });
      reading = false;
      break;
    }
  }
  if (reading) for (const token of parser.end()) reading &&= take(token);
  for (const doc of composer.end()) composed.push(doc);
  const stray = composer.streamInfo().errors;

  const overflow = slots[limits.maxDocuments];
  // Too many documents: the input as a whole is refused, not its first thousand documents checked.
  if (overflow !== undefined) return [{ index: 0, problems: [overflow.problem!] }];
  const out: YamlDocument[] = [];
  let next = 0;
  slots.forEach((slot, index) => {
    if (slot.problem !== undefined) {
      out.push({ index, problems: [slot.problem] });
      return;
    }
    const doc = composed[next++];
    out.push(toValue(doc, index, slot.scan!, limits, at));
  });
  if (stray.length > 0 && reading) {
    out.push({
      index: slots.length,
      problems: [at(stray[0].pos[0], error('', `not valid YAML: ${stray[0].message}`))],
    });
  }
  return out;
}

function toValue(
  doc: Document.Parsed,
  index: number,
  scan: CstScan,
  limits: InputLimits,
  at: (offset: number, problem: Problem) => Problem,
): YamlDocument {
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const key = e.code === 'DUPLICATE_KEY' ? keyAt(doc, e.pos[0]) : undefined;
    const message =
      key !== undefined ? `duplicate key ${JSON.stringify(key)}` : `not valid YAML: ${e.message.split('\n')[0]}`;
    return { index, problems: [at(e.pos[0], error('', message))] };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (e) {
    // The yaml package refuses aliases with a ReferenceError; anything else it throws is still about the text.
    const text = e instanceof Error ? e.message : String(e);
    if (!(e instanceof ReferenceError)) return { index, problems: [error('', `not valid YAML: ${text}`)] };
    const unresolved = /^Unresolved alias.*: (.*)$/.exec(text);
    if (unresolved !== null) {
      const name = unresolved[1];
      const problem = error('', `alias *${name} has no anchor &${name} before it`);
      const offset = scan.aliases.get(name);
      return { index, problems: [offset === undefined ? problem : at(offset, problem)] };
    }
    return { index, problems: [tooManyAliases(limits)] };
  }
  const problem = checkValue(value, limits);
  return problem === undefined ? { index, value, problems: [] } : { index, problems: [problem] };
}
