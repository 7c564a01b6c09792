import { readDocuments, type RawDocument } from '../api/parse';
import { error, formatProblem } from '../api/problems';
import { checkWorkspaceObject, type CheckOptions, type WorkspaceCheck } from '../plan/check';
import type { ResolvedGpuNodePool } from '../plan/node-pool';
import {
  CONSTRUCT_KINDS,
  checkPoolDocument,
  checkWorkloadDocument,
  isConstructDocument,
  type ConstructCheck,
} from './constructs';
import { hasErrors } from '../api/validate';
import { HELP_OPTION, parseArgs, UsageError } from './args';
import { readInputs, type CliIo, type NamedInput } from './io';

export const VALIDATE_HELP = `Usage: kaito validate FILE... [--strict] [-o text|json]

Checks Workspace manifests (kaito.sh/v1alpha1 or v1beta1, YAML or JSON, several documents per file
allowed; - reads stdin): the schema, Kaito's rules, and whether the model fits the GPUs. Documents of
apiVersion kaito-constructs/v1alpha1 are constructs (kind InferenceService, TuningJob or GpuNodePool,
with the props of the cdk8s and Pulumi faces; nodePool: NAME names a GpuNodePool document), checked
exactly as the constructs check them.
Prints one line per problem as FILE: field.path: message (warnings on stderr).
  --strict  fields the schema does not know (a misspelling the API server would drop) are errors
Two workspaces with the same namespace and name in one run are an error.
Exit codes: 0 all valid, 1 invalid input, 2 usage error.
`;

/** A checked document with the name of the input it came from. */
export interface CheckedDocument {
  readonly file: string;
  readonly check: WorkspaceCheck;
  /** A construct document (InferenceService, TuningJob, GpuNodePool): what the core made of it. */
  readonly construct?: ConstructCheck;
}

/** `FILE` or, for later documents of a multi-document file, `FILE#N` (1-based). */
export function documentLabel(file: string, index: number): string {
  return index === 0 ? file : `${file}#${index + 1}`;
}

/** How the CLI checks its inputs: the core's options, and the namespace of workspaces that name none. */
export interface CheckInputsOptions extends CheckOptions {
  /** @default 'default' */
  readonly defaultNamespace?: string;
}

/**
 * Checks every document of every input; a workspace whose namespace and name an earlier document already
 * used gets an error (applied together, the second would silently replace the first).
 */
export function checkInputs(inputs: readonly NamedInput[], options: CheckInputsOptions = {}): CheckedDocument[] {
  const seen = new Map<string, string>();
  return checkEachInput(inputs, options).map((doc) => {
    const ws = doc.check.workspace;
    if (ws === undefined) return doc;
    const key = `${ws.metadata.namespace ?? options.defaultNamespace ?? 'default'}/${ws.metadata.name}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, documentLabel(doc.file, doc.check.index));
      return doc;
    }
    const duplicate = error('metadata.name', `workspace ${key} is already defined in ${first}`);
    return { ...doc, check: { ...doc.check, problems: [...doc.check.problems, duplicate] } };
  });
}

function checkEachInput(inputs: readonly NamedInput[], options: CheckInputsOptions): CheckedDocument[] {
  const read = inputs.map((input) => ({ input, documents: readDocuments(input.text) }));
  // Node pools first: a workload names its pool, which may come later or from another file.
  const pools = new Map<string, ResolvedGpuNodePool | undefined>();
  const poolChecks = new Map<RawDocument, ConstructCheck>();
  for (const { documents } of read) {
    for (const doc of documents) {
      if (doc.value === undefined || !isConstructDocument(doc.value) || doc.value.kind !== 'GpuNodePool') continue;
      const check = checkPoolDocument(doc.value, options.defaultNamespace ?? 'default');
      poolChecks.set(doc, check);
      if (typeof doc.value.name === 'string' && !pools.has(doc.value.name)) pools.set(doc.value.name, check.pool);
    }
  }
  return read.flatMap(({ input, documents }) => {
    if (documents.length === 0) {
      return [
        {
          file: input.name,
          check: {
            index: 0,
            problems: [{ path: '', message: 'no Workspace found (empty input)', severity: 'error' as const }],
          },
        },
      ];
    }
    return documents.map((doc): CheckedDocument => {
      if (doc.value === undefined) return { file: input.name, check: { index: doc.index, problems: doc.problems } };
      if (!isConstructDocument(doc.value)) {
        return { file: input.name, check: checkWorkspaceObject(doc.value, options, doc.index) };
      }
      const construct = poolChecks.get(doc) ?? constructCheck(doc.value, pools);
      const { workspace, plan } = construct;
      const check = {
        index: doc.index,
        problems: construct.problems,
        ...(workspace ? { workspace } : {}),
        ...(plan ? { plan } : {}),
      };
      return { file: input.name, check, construct };
    });
  });
}

function constructCheck(
  value: Record<string, unknown>,
  pools: ReadonlyMap<string, ResolvedGpuNodePool | undefined>,
): ConstructCheck {
  const kind = value.kind;
  if (kind === 'InferenceService' || kind === 'TuningJob') return checkWorkloadDocument(value, kind, pools);
  return {
    kind: 'InferenceService',
    problems: [error('kind', `${JSON.stringify(kind ?? null)} is not one of ${CONSTRUCT_KINDS.join(', ')}`)],
  };
}

/**
 * Prints the problems of checked documents as `FILE: path: message` lines (`path: message` for a document
 * without a file, such as one made of flags); returns whether any is an error.
 */
export function reportProblems(documents: readonly CheckedDocument[], io: CliIo): boolean {
  let failed = false;
  for (const { file, check } of documents) {
    for (const p of check.problems) {
      // A problem of the text itself says where it is, as compilers do: FILE:LINE:COLUMN.
      const where =
        p.line !== undefined
          ? `${file}:${p.line}:${p.column ?? 1}: `
          : file === ''
            ? ''
            : `${documentLabel(file, check.index)}: `;
      const text = formatProblem({ ...p, line: undefined });
      if (p.severity === 'error') {
        failed = true;
        io.stdout(`${where}${text}\n`);
      } else {
        io.stderr(`${where}warning: ${text}\n`);
      }
    }
  }
  return failed;
}

export function runValidate(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, [
    { name: 'output', short: 'o', takesValue: true, choices: ['text', 'json'] },
    { name: 'strict', takesValue: false },
    HELP_OPTION,
  ]);
  if (args.options.help) {
    io.stdout(VALIDATE_HELP);
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('validate needs at least one FILE (or - for stdin)');
  const { inputs, failures } = readInputs(args.positionals, io);
  const documents = checkInputs(inputs, { strict: args.options.strict === true });
  const output = args.options.output ?? 'text';
  if (output === 'json') {
    const result = {
      valid: failures.length === 0 && documents.every((d) => !hasErrors(d.check.problems)),
      files: failures.map((f) => ({ file: f.split(':')[0], problems: [{ path: '', message: f, severity: 'error' }] })),
      documents: documents.map((d) => ({
        file: d.file,
        document: d.check.index + 1,
        name: d.check.workspace?.metadata.name,
        apiVersion: d.check.sourceVersion ? `kaito.sh/${d.check.sourceVersion}` : undefined,
        valid: !hasErrors(d.check.problems),
        problems: d.check.problems,
      })),
    };
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return result.valid ? 0 : 1;
  }
  for (const f of failures) io.stdout(`${f}\n`);
  const failed = reportProblems(documents, io) || failures.length > 0;
  if (!failed) {
    for (const { file, check } of documents) {
      io.stdout(
        `${documentLabel(file, check.index)}: valid (Workspace ${check.workspace?.metadata.name}, kaito.sh/${check.sourceVersion})\n`,
      );
    }
  }
  return failed ? 1 : 0;
}
