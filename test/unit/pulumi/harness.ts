import * as pulumi from '@pulumi/pulumi';

/*
 * Runs a Pulumi program under mocks and records the resource graph: every registration with its type, name,
 * inputs, parent, dependencies, custom timeouts and ignored changes (read from the registration request
 * the mock monitor receives), and the outputs each component registers.
 */

/** One registered resource. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** URN of the parent; undefined for a resource of the stack itself. */
  readonly parent?: string;
  /** URNs of the resources it depends on (explicit `dependsOn` and inputs taken from other resources). */
  readonly dependencies: readonly string[];
  readonly customTimeouts?: { readonly create: string; readonly update: string; readonly delete: string };
  readonly ignoreChanges: readonly string[];
  /** Provider reference (`<provider urn>::<id>`) of a custom resource; empty for the default provider. */
  readonly provider: string;
}

/** The graph a program registered. */
export class Graph {
  constructor(
    readonly registrations: readonly Registration[],
    /** Outputs registered by each component, by URN. */
    readonly outputs: ReadonlyMap<string, Record<string, unknown>>,
  ) {}

  /** The registration of `name` (and `type`, when given); throws when there is not exactly one. */
  get(name: string, type?: string): Registration {
    const found = this.registrations.filter((r) => r.name === name && (type === undefined || r.type === type));
    if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
    return found[0];
  }

  ofType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  childrenOf(parent: Registration): Registration[] {
    return this.registrations.filter((r) => r.parent === parent.urn);
  }

  parentOf(r: Registration): Registration | undefined {
    return this.registrations.find((p) => p.urn === r.parent);
  }

  /** Names of the resources `r` depends on, sorted. */
  dependencyNames(r: Registration): string[] {
    return r.dependencies.map((urn) => this.registrations.find((x) => x.urn === urn)?.name ?? urn).sort();
  }

  /** `type name` of every registration, sorted. */
  summary(): string[] {
    return this.registrations.map((r) => `${r.type} ${r.name}`).sort();
  }

  /**
   * The graph as comparable data, sorted by name: type, name, parent and dependency names (not URNs), the
   * inputs, and the options Pulumi received.
   */
  normalized(): NormalizedResource[] {
    return [...this.registrations]
      .sort((a, b) => compare(a.name, b.name) || compare(a.type, b.type))
      .map((r) => ({
        type: r.type,
        name: r.name,
        parent: this.parentOf(r)?.name ?? null,
        dependsOn: this.dependencyNames(r),
        inputs: r.inputs,
        customTimeouts: r.customTimeouts ?? null,
        ignoreChanges: r.ignoreChanges,
      }));
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One resource of {@link Graph.normalized}. */
export interface NormalizedResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly dependsOn: readonly string[];
  readonly inputs: Record<string, unknown>;
  readonly customTimeouts: Registration['customTimeouts'] | null;
  readonly ignoreChanges: readonly string[];
}

type Struct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getObject(): Struct;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}
type Callback = (err: unknown, response?: { getUrn(): string }) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, callback: Callback): Promise<void>;
  registerResourceOutputs(req: { getUrn(): string; getOutputs(): Struct }, callback: Callback): void;
}

// Internal to @pulumi/pulumi (not in its typings): resolves when every outstanding registration is done.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> };

/** Answers for provider function calls (invokes) under mocks, by token. */
export type CallMocks = Readonly<Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>>;

/** Options of {@link runProgram}. */
export interface RunOptions {
  /** Stack configuration, `project:key` -> value. */
  readonly config?: Readonly<Record<string, string>>;
  readonly calls?: CallMocks;
  /** @default false */
  readonly preview?: boolean;
}

/**
 * Runs `program` under fresh mocks and returns the graph it registered. When the program throws, the
 * error is returned with the (then usually empty) graph.
 */
export async function runProgram(
  program: () => unknown,
  options: RunOptions = {},
): Promise<{ graph: Graph; error?: unknown }> {
  const registrations: Registration[] = [];
  const outputs = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(options.config ?? {})) pulumi.runtime.setConfig(key, value);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}_id`, state: args.inputs as Record<string, unknown> }),
      call: (args) => {
        const answer = options.calls?.[args.token];
        if (answer === undefined) throw new Error(`unexpected call ${args.token}`);
        return answer(args.inputs as Record<string, unknown>);
      },
    },
    'project',
    'stack',
    options.preview ?? false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, response) => {
      if (err === null || err === undefined) {
        const timeouts = req.getCustomtimeouts();
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: response!.getUrn(),
          custom: req.getCustom(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()) as Record<string, unknown>,
          ...(req.getParent() === '' ? {} : { parent: req.getParent() }),
          dependencies: [...req.getDependenciesList()],
          ...(timeouts === undefined || timeouts.getCreate() + timeouts.getUpdate() + timeouts.getDelete() === ''
            ? {}
            : {
                customTimeouts: {
                  create: timeouts.getCreate(),
                  update: timeouts.getUpdate(),
                  delete: timeouts.getDelete(),
                },
              }),
          ignoreChanges: [...req.getIgnorechangesList()],
          provider: req.getProvider(),
        });
      }
      callback(err, response);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    outputs.set(req.getUrn(), pulumi.runtime.deserializeProperties(req.getOutputs()) as Record<string, unknown>);
    registerOutputs(req, callback);
  };
  let error: unknown;
  try {
    await program();
  } catch (e) {
    error = e;
  }
  await settings.waitForRPCs();
  return { graph: new Graph(registrations, outputs), ...(error === undefined ? {} : { error }) };
}

/** The value of an output (or a plain value), once known. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}
