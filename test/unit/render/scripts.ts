import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from 'kubernetes-types/core/v1';

/*
 * Runs the shell scripts of rendered containers on this machine, with fake `oras`, `curl`, `skopeo`,
 * `python3`, `accelerate`, `sleep` and Kaito's multi-node script first on PATH (or at their container path),
 * and the container paths moved into a temporary directory. Every fake records its exact arguments.
 */

export interface Sandbox {
  readonly root: string;
  /** Container path -> sandbox path. */
  readonly paths: Readonly<Record<string, string>>;
  /** Where the fake tools log their arguments, one line per call. */
  readonly log: string;
}

/** Each call of a fake, in order: the tool's name and its exact arguments. */
export function calls(box: Sandbox): string[][] {
  const dir = join(box.root, 'argv');
  return readdirSync(dir)
    .map(Number)
    .sort((a, b) => a - b)
    .map((n) =>
      readFileSync(join(dir, String(n)), 'utf8')
        .split('\0')
        .slice(0, -1),
    );
}

// Writes the tool's name and arguments, NUL-separated, to argv/<call number>.
const RECORD =
  'n=$(cat "$FAKE_ROOT/count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_ROOT/count"\n' +
  'printf \'%s\\0\' "${0##*/}" "$@" > "$FAKE_ROOT/argv/$n"\n';

const FAKES: Record<string, string> = {
  // oras: logs, then exits with $FAKE_ORAS_EXIT (default 0).
  oras: 'echo "oras $*" >> "$FAKE_LOG"\nexit "${FAKE_ORAS_EXIT:-0}"\n',
  // curl: logs, writes $FAKE_CURL_BODY to the --output file, prints $FAKE_CURL_CODE (default 200) for
  // --write-out, exits with $FAKE_CURL_EXIT (default 0).
  curl:
    'echo "curl $*" >> "$FAKE_LOG"\nout=""\nwhile [ $# -gt 0 ]; do [ "$1" = "--output" ] && out="$2"; shift; done\n' +
    '[ "${FAKE_CURL_EXIT:-0}" = 0 ] || exit "$FAKE_CURL_EXIT"\nprintf "%s" "${FAKE_CURL_BODY-hello}" > "$out"\n' +
    'printf "%s" "${FAKE_CURL_CODE:-200}"\n',
  // skopeo copy: a dir layout with one tar layer holding data/adapter.txt; inspect: that layer's digest.
  skopeo:
    'echo "skopeo $*" >> "$FAKE_LOG"\ncase "$1" in\n' +
    'copy) [ "${FAKE_SKOPEO_EXIT:-0}" = 0 ] || exit "$FAKE_SKOPEO_EXIT"\n' +
    '  for a; do case "$a" in dir:*) d="${a#dir:}";; esac; done\n' +
    '  mkdir -p "$d" "$FAKE_ROOT/layer/data" && echo weights > "$FAKE_ROOT/layer/data/adapter.txt"\n' +
    '  tar -cf "$d/abc123" -C "$FAKE_ROOT/layer" data ;;\n' +
    'inspect) echo "sha256:abc123 " ;;\nesac\n',
  sleep: 'exit 0\n',
  python3: 'exit 0\n',
  accelerate: 'exit 0\n',
};

/** Fakes at a container path rather than on PATH. */
const FAKES_AT: Record<string, string> = { '/workspace/vllm/multi-node-serving.sh': 'exit 0\n' };

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'kaito-render-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  mkdirSync(join(root, 'argv'));
  for (const [name, body] of Object.entries(FAKES)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${RECORD}${body}`);
    chmodSync(join(bin, name), 0o755);
  }
  const paths: Record<string, string> = {
    '/mnt/results': join(root, 'results'),
    '/mnt/data': join(root, 'data'),
    '/mnt/adapter': join(root, 'adapter'),
    '/root/.docker': join(root, 'docker'),
    '/etc/kaito/pull-secrets': join(root, 'pull-secrets'),
    '/workspace/vllm': join(root, 'vllm'),
    '/workspace/tfs': join(root, 'tfs'),
  };
  for (const p of Object.values(paths)) mkdirSync(p);
  for (const [path, body] of Object.entries(FAKES_AT)) {
    const file = Object.entries(paths).reduce((text, [from, to]) => text.split(from).join(to), path);
    writeFileSync(file, `#!/bin/sh\n${RECORD}${body}`);
    chmodSync(file, 0o755);
  }
  return { root, paths, log: join(root, 'calls.log') };
}

/**
 * Runs a `/bin/sh -c <script> <name> args...` container in the sandbox, with the container's literal
 * environment variables and `env`, in the sandbox directory.
 */
export function runContainer(box: Sandbox, c: Container, env: Record<string, string> = {}) {
  const [shell, flag, script, ...rest] = c.command ?? [];
  if (shell !== '/bin/sh' || flag !== '-c' || script === undefined) throw new Error(`${c.name} is not a shell script`);
  const relocate = (s: string): string =>
    Object.entries(box.paths).reduce((text, [from, to]) => text.split(from).join(to), s);
  const result = spawnSync('/bin/sh', ['-c', relocate(script), ...rest, ...(c.args ?? []).map(relocate)], {
    encoding: 'utf8',
    cwd: box.root,
    env: {
      ...Object.fromEntries((c.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, relocate(e.value)]]))),
      PATH: `${join(box.root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      FAKE_LOG: box.log,
      FAKE_ROOT: box.root,
      TMPDIR: box.root,
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
