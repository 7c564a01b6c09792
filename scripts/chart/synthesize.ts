import { stringify } from 'yaml';

/*
 * Helm templates synthesized from a renderer, so that the chart holds no second copy of the objects.
 *
 * The renderer runs once per combination of the chart's choices (each a value with a few possible values:
 * the node provisioner, whether the device plugin is on, ...), with free-form values (image, namespace,
 * ...) set to sentinels. The renderings are then merged into one template: what all combinations share is
 * written once, a map key or list item that only some have is wrapped in `{{- if }}` on the fewest choices
 * that tell them apart, and a value that differs otherwise becomes an if/else. Sentinels become
 * `{{ .Values.x | toJson }}`: JSON is YAML, so any value is written safely.
 */

/** A choice of the chart: a value with a few possible values. */
export interface Choice {
  /** Its possible values; the first is its default. */
  readonly values: readonly (string | boolean)[];
  /** The template expression of its value, e.g. `.Values.nodeProvisioner`. */
  readonly expr: string;
}

/** A free-form value: the sentinel the renderer is given and the template expression that replaces it. */
export interface Sentinel {
  readonly sentinel: string | number;
  readonly expr: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Variant = number;

type Node =
  | { readonly k: 'leaf'; readonly value: Json }
  | { readonly k: 'tpl'; readonly expr: string }
  | { readonly k: 'map'; readonly entries: ReadonlyArray<{ key: string; present: Variant[]; node: Node }> }
  | { readonly k: 'seq'; readonly items: ReadonlyArray<{ present: Variant[]; node: Node }> }
  | { readonly k: 'switch'; readonly branches: ReadonlyArray<{ members: Variant[]; node: Node }> };

const isObject = (v: Json): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Synthesizer {
  /** Every combination of the choices' values, the defaults first. */
  readonly combinations: ReadonlyArray<ReadonlyArray<string | boolean>>;

  constructor(
    private readonly choices: readonly Choice[],
    private readonly sentinels: readonly Sentinel[],
  ) {
    this.combinations = choices.reduce<Array<Array<string | boolean>>>(
      (acc, c) => acc.flatMap((prefix) => c.values.map((v) => [...prefix, v])),
      [[]],
    );
  }

  private hasSentinel(value: Json): boolean {
    if (typeof value === 'string')
      return this.sentinels.some((s) => typeof s.sentinel === 'string' && value.includes(s.sentinel));
    if (typeof value === 'number') return this.sentinels.some((s) => s.sentinel === value);
    if (Array.isArray(value)) return value.some((v) => this.hasSentinel(v));
    if (isObject(value)) return Object.values(value).some((v) => this.hasSentinel(v));
    return false;
  }

  /** A scalar with sentinels as a template expression: `{{ print "--x=" .Values.x | toJson }}`. */
  private scalarTemplate(value: string | number): Node {
    if (typeof value === 'number') return { k: 'tpl', expr: this.sentinels.find((s) => s.sentinel === value)!.expr };
    const strings = this.sentinels.filter((s): s is Sentinel & { sentinel: string } => typeof s.sentinel === 'string');
    const parts: string[] = [];
    let rest = value;
    while (rest !== '') {
      const hits = strings.map((s) => ({ s, at: rest.indexOf(s.sentinel) })).filter((h) => h.at >= 0);
      if (hits.length === 0) {
        parts.push(JSON.stringify(rest));
        break;
      }
      const first = hits.reduce((a, b) => (b.at < a.at ? b : a));
      if (first.at > 0) parts.push(JSON.stringify(rest.slice(0, first.at)));
      parts.push(first.s.expr);
      rest = rest.slice(first.at + first.s.sentinel.length);
    }
    return { k: 'tpl', expr: parts.length === 1 ? parts[0]! : `print ${parts.join(' ')}` };
  }

  /** Merges the values `of` each variant in `set` (all present) into one node. */
  merge(set: readonly Variant[], of: (v: Variant) => Json): Node {
    const values = set.map(of);
    const first = values[0]!;
    const same = values.every((v) => JSON.stringify(v) === JSON.stringify(first));
    if (same && (typeof first === 'string' || typeof first === 'number') && this.hasSentinel(first)) {
      return this.scalarTemplate(first);
    }
    if (same && !this.hasSentinel(first)) return { k: 'leaf', value: first };
    if (values.every((v) => isObject(v) && Object.keys(v).length > 0)) {
      const keys: string[] = [];
      for (const v of values) for (const key of Object.keys(v as object)) if (!keys.includes(key)) keys.push(key);
      return {
        k: 'map',
        entries: keys.map((key) => {
          const present = set.filter((_, i) => key in (values[i] as object));
          return { key, present, node: this.merge(present, (v) => (of(v) as { [key: string]: Json })[key]!) };
        }),
      };
    }
    if (values.every((v) => Array.isArray(v) && v.length > 0)) {
      const idOf = (item: Json) =>
        isObject(item) && typeof item.name === 'string' ? `name:${item.name}` : `json:${JSON.stringify(item)}`;
      const lists = values.map((v) => (v as Json[]).map(idOf));
      if (lists.every((ids) => new Set(ids).size === ids.length)) {
        const order = mergeOrder(lists);
        if (order !== undefined) {
          return {
            k: 'seq',
            items: order.map((id) => {
              const present = set.filter((_, i) => lists[i]!.includes(id));
              const item = (v: Variant) => {
                const list = of(v) as Json[];
                return list[list.map(idOf).indexOf(id)]!;
              };
              return { present, node: this.merge(present, item) };
            }),
          };
        }
      }
    }
    const groups = new Map<string, Variant[]>();
    set.forEach((v, i) => {
      const key = JSON.stringify(values[i]);
      groups.set(key, [...(groups.get(key) ?? []), v]);
    });
    return {
      k: 'switch',
      branches: [...groups.values()].map((members) => ({ members, node: this.merge(members, of) })),
    };
  }

  /**
   * A condition true for the variants of `group` and false for the rest of `set`, on the fewest choices:
   * a choice is left out when the groups stay apart without it.
   */
  condition(group: readonly Variant[], set: readonly Variant[]): string {
    const inGroup = new Set(group);
    let dims = this.choices.map((_, i) => i);
    const apart = (d: number[]) => {
      const seen = new Map<string, boolean>();
      for (const v of set) {
        const key = JSON.stringify(d.map((i) => this.combinations[v]![i]));
        const side = inGroup.has(v);
        if (seen.has(key) && seen.get(key) !== side) return false;
        seen.set(key, side);
      }
      return true;
    };
    for (const d of [...dims]) {
      const without = dims.filter((x) => x !== d);
      if (apart(without)) dims = without;
    }
    const terms = [...new Set(group.map((v) => JSON.stringify(dims.map((i) => this.combinations[v]![i]))))].map(
      (key) => JSON.parse(key) as Array<string | boolean>,
    );
    if (dims.length === 1) {
      const choice = this.choices[dims[0]!]!;
      const wanted = terms.map((t) => t[0]!);
      if (typeof wanted[0] === 'boolean') return wanted[0] ? choice.expr : `not ${choice.expr}`;
      return wanted.length === 1
        ? `eq ${choice.expr} ${JSON.stringify(wanted[0])}`
        : `has ${choice.expr} (list ${wanted.map((w) => JSON.stringify(w)).join(' ')})`;
    }
    const atom = (i: number, value: string | boolean) => {
      const choice = this.choices[i]!;
      if (typeof value === 'boolean') return value ? choice.expr : `(not ${choice.expr})`;
      return `(eq ${choice.expr} ${JSON.stringify(value)})`;
    };
    const conjunctions = terms.map((t) =>
      t.length === 1 ? atom(dims[0]!, t[0]!) : `(and ${t.map((value, j) => atom(dims[j]!, value)).join(' ')})`,
    );
    return conjunctions.length === 1 ? conjunctions[0]!.replace(/^\((.*)\)$/, '$1') : `or ${conjunctions.join(' ')}`;
  }

  /** The template of one object: its node emitted as YAML lines with template actions. */
  emitDocument(node: Node, set: readonly Variant[]): string {
    if (node.k === 'leaf') return `${stringify(node.value, { lineWidth: 0 }).trimEnd()}\n`;
    if (node.k !== 'map') throw new Error('a document must be a map');
    return `${this.mapLines(node, 0, set).join('\n')}\n`;
  }

  private guarded(present: readonly Variant[], set: readonly Variant[], lines: string[]): string[] {
    if (present.length === set.length) return lines;
    return [`{{- if ${this.condition(present, set)} }}`, ...lines, '{{- end }}'];
  }

  private mapLines(node: Node & { k: 'map' }, indent: number, set: readonly Variant[]): string[] {
    return node.entries.flatMap((e) => this.guarded(e.present, set, this.entryLines(e.key, e.node, indent, e.present)));
  }

  private seqLines(node: Node & { k: 'seq' }, indent: number, set: readonly Variant[]): string[] {
    const pad = ' '.repeat(indent);
    return node.items.flatMap((item) => {
      const n = item.node;
      let lines: string[];
      if (n.k === 'leaf') lines = indentLines(stringify([n.value], { lineWidth: 0 }), indent);
      else if (n.k === 'tpl') lines = [`${pad}- {{ ${n.expr} | toJson }}`];
      else {
        const body = this.valueLines(n, indent + 2, item.present);
        const head = body[0]!;
        lines = head.startsWith('{{') ? [`${pad}-`, ...body] : [`${pad}- ${head.slice(indent + 2)}`, ...body.slice(1)];
      }
      return this.guarded(item.present, set, lines);
    });
  }

  /** The lines of a value on the lines below its key (or list dash), at `indent`. */
  private valueLines(node: Node, indent: number, set: readonly Variant[]): string[] {
    switch (node.k) {
      case 'leaf':
        return indentLines(stringify(node.value, { lineWidth: 0 }), indent);
      case 'tpl':
        return [`${' '.repeat(indent)}{{ ${node.expr} | toJson }}`];
      case 'map':
        return this.mapLines(node, indent, set);
      case 'seq':
        return this.seqLines(node, indent, set);
      case 'switch':
        return this.switchLines(node, indent, set);
    }
  }

  private switchLines(node: Node & { k: 'switch' }, indent: number, set: readonly Variant[]): string[] {
    const lines: string[] = [];
    node.branches.forEach((b, i) => {
      const last = i === node.branches.length - 1;
      if (i === 0) lines.push(`{{- if ${this.condition(b.members, set)} }}`);
      else if (last) lines.push('{{- else }}');
      else {
        const rest = node.branches.slice(i).flatMap((x) => x.members);
        lines.push(`{{- else if ${this.condition(b.members, rest)} }}`);
      }
      lines.push(...this.valueLines(b.node, indent, b.members));
    });
    lines.push('{{- end }}');
    return lines;
  }

  private entryLines(key: string, node: Node, indent: number, set: readonly Variant[]): string[] {
    const pad = ' '.repeat(indent);
    if (node.k === 'leaf') return indentLines(stringify({ [key]: node.value }, { lineWidth: 0 }), indent);
    const k = stringify(key).trimEnd();
    if (node.k === 'tpl') return [`${pad}${k}: {{ ${node.expr} | toJson }}`];
    return [`${pad}${k}:`, ...this.valueLines(node, indent + 2, set)];
  }
}

function indentLines(text: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l === '' ? l : pad + l));
}

/**
 * One order of all the ids of `lists` that keeps the order of each list (a topological order of "comes
 * before", ties broken by first appearance), or undefined when the lists disagree on an order.
 */
export function mergeOrder(lists: ReadonlyArray<readonly string[]>): string[] | undefined {
  const firstSeen = new Map<string, number>();
  const after = new Map<string, Set<string>>();
  const before = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, i) => {
      if (!firstSeen.has(id)) {
        firstSeen.set(id, firstSeen.size);
        after.set(id, new Set());
        before.set(id, 0);
      }
      const previous = list[i - 1];
      if (previous !== undefined && !after.get(previous)!.has(id)) {
        after.get(previous)!.add(id);
        before.set(id, before.get(id)! + 1);
      }
    });
  }
  const order: string[] = [];
  const ready = [...firstSeen.keys()].filter((id) => before.get(id) === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)!);
    const id = ready.shift()!;
    order.push(id);
    for (const next of after.get(id)!) {
      before.set(next, before.get(next)! - 1);
      if (before.get(next) === 0) ready.push(next);
    }
  }
  return order.length === firstSeen.size ? order : undefined;
}
