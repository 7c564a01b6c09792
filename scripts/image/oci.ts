import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { writeTar, type TarEntry } from './tar';

/*
 * An OCI image layout (image-layout spec v1.0): layers as gzipped tars, the image config, the manifest and
 * index.json, all content-addressed. Nothing here reads the clock or the file system: the same layers and
 * config give the same bytes and so the same manifest digest.
 */

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One layer before it is packed: its files and what the history says made it. */
export interface LayerInput {
  readonly entries: readonly TarEntry[];
  readonly createdBy: string;
}

/** What the image runs (the `config` of the image config). */
export interface RunConfig {
  readonly User: string;
  readonly Env: readonly string[];
  readonly Entrypoint: readonly string[];
  readonly Cmd?: readonly string[];
  readonly WorkingDir: string;
  readonly ExposedPorts: Readonly<Record<string, Record<string, never>>>;
  readonly Labels: Readonly<Record<string, string>>;
}

export interface ImageInput {
  readonly layers: readonly LayerInput[];
  readonly config: RunConfig;
  /** ISO time the config says the image was made, e.g. from SOURCE_DATE_EPOCH. */
  readonly created: string;
  /** `org.opencontainers.image.ref.name` of the manifest in index.json: the tag. */
  readonly tag: string;
  /** The full reference (`registry/repository:tag`), for tools that import by name (containerd). */
  readonly reference: string;
}

export interface Blob {
  readonly digest: string;
  readonly data: Buffer;
}

export interface ImageLayout {
  /** Content of `blobs/sha256/<hex>` for each blob. */
  readonly blobs: readonly Blob[];
  readonly index: Buffer;
  readonly ociLayout: Buffer;
  readonly manifest: Descriptor;
  readonly config: Descriptor;
  readonly layers: readonly (Descriptor & { readonly diffId: string; readonly uncompressedSize: number })[];
}

export const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** JSON as the blobs store it: compact, in the key order given. */
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

export function buildImageLayout(input: ImageInput): ImageLayout {
  const blobs: Blob[] = [];
  const add = (data: Buffer): string => {
    const digest = sha256(data);
    if (!blobs.some((b) => b.digest === digest)) blobs.push({ digest, data });
    return digest;
  };
  const layers = input.layers.map((layer) => {
    const tar = writeTar(layer.entries);
    // The gzip header carries no name and no time; the level is fixed, so the bytes are too.
    const gz = gzipSync(tar, { level: 9 });
    return {
      mediaType: MEDIA_TYPES.layer,
      digest: add(gz),
      size: gz.length,
      diffId: sha256(tar),
      uncompressedSize: tar.length,
    };
  });
  const config = json({
    created: input.created,
    architecture: 'amd64',
    os: 'linux',
    config: input.config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: input.layers.map((l) => ({ created: input.created, created_by: l.createdBy })),
  });
  const configDescriptor: Descriptor = { mediaType: MEDIA_TYPES.config, digest: add(config), size: config.length };
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: configDescriptor,
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  });
  const manifestDescriptor: Descriptor = {
    mediaType: MEDIA_TYPES.manifest,
    digest: add(manifest),
    size: manifest.length,
    annotations: { 'io.containerd.image.name': input.reference, 'org.opencontainers.image.ref.name': input.tag },
  };
  const index = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [manifestDescriptor] });
  return {
    blobs,
    index,
    ociLayout: json({ imageLayoutVersion: '1.0.0' }),
    manifest: manifestDescriptor,
    config: configDescriptor,
    layers,
  };
}

/** The layout as one tar (`oci-archive:` for skopeo and podman, `docker load` since Docker 25). */
export function layoutArchive(layout: ImageLayout): Buffer {
  const file = (path: string, data: Buffer): TarEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, data });
  const dir = (path: string): TarEntry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0 });
  return writeTar([
    dir('blobs'),
    dir('blobs/sha256'),
    ...layout.blobs.map((b) => file(`blobs/sha256/${b.digest.slice('sha256:'.length)}`, b.data)),
    file('index.json', layout.index),
    file('oci-layout', layout.ociLayout),
  ]);
}
