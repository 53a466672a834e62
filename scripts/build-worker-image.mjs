#!/usr/bin/env node
// Build the echo worker image with no registry and no network: a rootfs holding the host's node
// binary, the libraries it links, /app/server.js and a minimal /etc, packed as ONE tar that is both
// an OCI image layout (ctr images import, skopeo oci-archive:) and a docker-archive (docker load).
// The layer tar is deterministic (sorted, mtime 0, uid/gid 0, gzip -n), so identical inputs give
// identical digests. The result is cached by a content hash of all inputs.
//
// usage: node scripts/build-worker-image.mjs [--out-dir DIR] [--ref REF] [--server FILE] [--force]
// prints one JSON line: {tar, ref, tags, manifestDigest, configDigest, layerDigest, cached, ms}
// Also maintains <out-dir>/echo.tar and echo.json pointing at the latest build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const ENTRYPOINT = ['/usr/bin/node', '/app/server.js'];

/** Parse --flag value pairs; pure. */
function parseArgs(argv) {
  const state = process.env.ESB_DEV_STATE || '/var/lib/esb-dev';
  const opts = { outDir: path.join(state, 'images'), ref: '127.0.0.1:5000/esb/echo:latest',
    server: path.join(REPO, 'examples/workers/echo/server.js'), force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') opts.force = true;
    else if (a === '--out-dir') opts.outDir = argv[++i];
    else if (a === '--ref') opts.ref = argv[++i];
    else if (a === '--server') opts.server = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const sha256File = (file) => execFileSync('sha256sum', [file]).toString().split(' ')[0];

/** The host node binary and every shared library ldd lists for it (absolute, resolved). */
function hostFiles() {
  const node = fs.realpathSync(execFileSync('sh', ['-c', 'command -v node']).toString().trim());
  const libs = new Set();
  for (const line of execFileSync('ldd', [node]).toString().split('\n')) {
    const m = line.match(/=>\s*(\/\S+)/) || line.match(/^\s*(\/\S+)/);
    if (m?.[1]) libs.add(m[1]);
  }
  return { node, libs: [...libs].sort() };
}

/** Content hash over everything that ends up in the image, plus this builder itself. */
function inputHash(opts, files) {
  const h = createHash('sha256');
  h.update(fs.readFileSync(fileURLToPath(import.meta.url)));
  h.update(fs.readFileSync(opts.server));
  h.update(opts.ref);
  h.update(sha256File(files.node));
  for (const lib of files.libs) h.update(`${lib}\0${sha256(fs.readFileSync(lib))}\0`);
  return h.digest('hex');
}

/** Lay out the rootfs under dir with explicit modes (independent of umask). */
function makeRootfs(dir, opts, files) {
  for (const d of ['usr/bin', 'app', 'etc', 'tmp', 'proc', 'sys', 'dev']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync(files.node, path.join(dir, 'usr/bin/node'));
  for (const lib of files.libs) {
    fs.mkdirSync(path.join(dir, path.dirname(lib)), { recursive: true });
    fs.copyFileSync(lib, path.join(dir, lib));
  }
  fs.copyFileSync(opts.server, path.join(dir, 'app/server.js'));
  fs.writeFileSync(path.join(dir, 'app/package.json'), '{"type":"module"}\n');
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(dir, 'etc/hosts'), '127.0.0.1 localhost\n');
  fs.writeFileSync(path.join(dir, 'etc/resolv.conf'), '');
  execFileSync('sh', ['-c', 'find . -type d -exec chmod 0755 {} + && find . -type f -exec chmod 0644 {} + && chmod 0755 usr/bin/node && chmod 1777 tmp'], { cwd: dir });
  for (const lib of files.libs) fs.chmodSync(path.join(dir, lib), 0o755);
}

const TAR_FLAGS = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu'];

/** Pack rootfs into blobs/sha256 as a gzip layer; returns digests and size. */
function packLayer(rootfs, work, blobs) {
  const layerTar = path.join(work, 'layer.tar');
  execFileSync('tar', [...TAR_FLAGS, '-C', rootfs, '-cf', layerTar, '.']);
  const diffId = sha256File(layerTar);
  execFileSync('sh', ['-c', 'gzip -n -1 -c "$1" > "$1.gz"', 'sh', layerTar]);
  const digest = sha256File(`${layerTar}.gz`);
  const size = fs.statSync(`${layerTar}.gz`).size;
  fs.renameSync(`${layerTar}.gz`, path.join(blobs, digest));
  fs.rmSync(layerTar);
  return { diffId, digest, size };
}

/** Write a JSON blob into blobs/sha256; returns {digest, size}. */
function writeBlob(blobs, obj) {
  const buf = Buffer.from(JSON.stringify(obj));
  const digest = sha256(buf);
  fs.writeFileSync(path.join(blobs, digest), buf);
  return { digest, size: buf.length };
}

/** Write config, OCI manifest, index.json, oci-layout and docker manifest.json around the layer. */
function writeImage(work, blobs, layer, ref) {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
  const config = writeBlob(blobs, {
    architecture: arch, os: 'linux', created: '1970-01-01T00:00:00Z',
    config: { Entrypoint: ENTRYPOINT, Env: ['PATH=/usr/bin:/bin'], WorkingDir: '/app', ExposedPorts: { '8080/tcp': {} } },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layer.diffId}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'scripts/build-worker-image.mjs' }],
  });
  const manifest = writeBlob(blobs, {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${config.digest}`, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${layer.digest}`, size: layer.size }],
  });
  const tag = ref.slice(ref.lastIndexOf(':') + 1);
  fs.writeFileSync(path.join(work, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{
    mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifest.digest}`, size: manifest.size,
    annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': tag } }] }));
  fs.writeFileSync(path.join(work, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const tags = [ref, ref.replace(/^127\.0\.0\.1:5000\//, '')].filter((t, i, a) => a.indexOf(t) === i);
  fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${config.digest}`,
    RepoTags: tags, Layers: [`blobs/sha256/${layer.digest}`] }]));
  return { manifestDigest: `sha256:${manifest.digest}`, configDigest: `sha256:${config.digest}`,
    layerDigest: `sha256:${layer.digest}`, tags };
}

/** Build (or reuse) the image tar; returns the description printed by the CLI. */
export function buildWorkerImage(opts) {
  const t0 = Date.now();
  const files = hostFiles();
  const hash = inputHash(opts, files).slice(0, 16);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const tar = path.join(opts.outDir, `echo-${hash}.tar`);
  const meta = `${tar}.json`;
  if (!opts.force && fs.existsSync(tar) && fs.existsSync(meta)) {
    return finish(opts, { ...JSON.parse(fs.readFileSync(meta, 'utf8')), cached: true, ms: Date.now() - t0 });
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'esb-image-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    const out = path.join(work, 'out');
    const blobs = path.join(out, 'blobs', 'sha256');
    fs.mkdirSync(blobs, { recursive: true });
    makeRootfs(rootfs, opts, files);
    const layer = packLayer(rootfs, work, blobs);
    const desc = { tar, ref: opts.ref, inputHash: hash, ...writeImage(out, blobs, layer, opts.ref) };
    execFileSync('tar', [...TAR_FLAGS, '-C', out, '-cf', `${tar}.tmp`, 'oci-layout', 'index.json', 'manifest.json', 'blobs']);
    fs.renameSync(`${tar}.tmp`, tar);
    fs.writeFileSync(meta, JSON.stringify(desc));
    return finish(opts, { ...desc, cached: false, ms: Date.now() - t0 });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Point echo.tar/echo.json at this build and drop older builds. */
function finish(opts, desc) {
  const link = path.join(opts.outDir, 'echo.tar');
  fs.rmSync(`${link}.tmp`, { force: true });
  fs.symlinkSync(path.basename(desc.tar), `${link}.tmp`);
  fs.renameSync(`${link}.tmp`, link);
  fs.writeFileSync(path.join(opts.outDir, 'echo.json'), JSON.stringify(desc, null, 2) + '\n');
  for (const f of fs.readdirSync(opts.outDir)) {
    if (/^echo-[0-9a-f]{16}\.tar(\.json)?$/.test(f) && !f.startsWith(path.basename(desc.tar))) fs.rmSync(path.join(opts.outDir, f));
  }
  return desc;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(JSON.stringify(buildWorkerImage(parseArgs(process.argv.slice(2)))));
  } catch (err) {
    console.error(`build-worker-image: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
