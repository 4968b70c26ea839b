#!/usr/bin/env node
// Generates TypeScript for every .proto under proto/ into libs/proto/src/generated/ (git-ignored), with the protoc
// binary of the npm package `protoc` and the ts-proto plugin. `npm run build` runs it before tsc, and jest.config.js
// runs it when jest starts, so a fresh clone needs no extra step.
//
// It does nothing when the outputs are newer than every input (the .proto files, this script) and were made from
// the same file list, options and tool versions, so calling it on every build costs a few stat calls.
//
// Usage: node scripts/gen-proto.js [--force]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
const PROTO_DIR = join(ROOT, 'proto');
const OUT_DIR = join(ROOT, 'libs', 'proto', 'src', 'generated');
const STAMP = join(OUT_DIR, '.stamp.json');

/**
 * ts-proto options for @grpc/grpc-js on Node, compiled as ESM by TypeScript with module=nodenext:
 * - outputServices=grpc-js: service definitions, server interfaces and client classes for grpc-js;
 * - esModuleInterop=true, importSuffix=.js: default-style imports and `.js` on relative imports, as nodenext wants;
 * - env=node: Buffer for bytes, no browser shims;
 * - useOptionals=messages: message-typed fields are optional keys, scalars stay required (proto3 defaults);
 * - oneof=unions-value: a oneof is a `{ $case, value }` union, so a `switch` over it can be checked exhaustively.
 * The generated code reads and writes the wire format with @bufbuild/protobuf/wire.
 */
export const TS_PROTO_OPTIONS = [
  'outputServices=grpc-js',
  'esModuleInterop=true',
  'importSuffix=.js',
  'env=node',
  'useOptionals=messages',
  'oneof=unions-value',
];

const require = createRequire(import.meta.url);

function toolPaths() {
  const protocDir = dirname(require.resolve('protoc/package.json'));
  const tsProtoDir = dirname(require.resolve('ts-proto/package.json'));
  return {
    protoc: join(protocDir, 'protoc.cjs'),
    protocInclude: join(protocDir, 'include'),
    plugin: join(tsProtoDir, 'protoc-gen-ts_proto'),
    versions: {
      protoc: JSON.parse(readFileSync(join(protocDir, 'package.json'), 'utf8')).version,
      tsProto: JSON.parse(readFileSync(join(tsProtoDir, 'package.json'), 'utf8')).version,
    },
  };
}

/** Every .proto under `dir`, as paths relative to `dir` with forward slashes, sorted. */
function findProtos(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.proto')) found.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

function isFresh(expected, inputs) {
  if (!existsSync(STAMP)) return false;
  let recorded;
  try {
    recorded = readFileSync(STAMP, 'utf8');
  } catch {
    return false;
  }
  if (recorded !== JSON.stringify(expected, null, 2)) return false;
  const stampTime = statSync(STAMP).mtimeMs;
  const newestInput = Math.max(statSync(SCRIPT).mtimeMs, ...inputs.map((p) => statSync(join(PROTO_DIR, p)).mtimeMs));
  if (newestInput > stampTime) return false;
  return inputs.every((p) => existsSync(join(OUT_DIR, p.replace(/\.proto$/, '.ts'))));
}

/**
 * Generates the code unless it is up to date. Returns 'fresh' (nothing done) or 'generated'.
 * Throws when protoc fails; the previous output is then left as it was.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 */
export function generateProtos(options = {}) {
  const log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  const tools = toolPaths();
  const inputs = findProtos(PROTO_DIR);
  const expected = { inputs, options: TS_PROTO_OPTIONS, versions: tools.versions };
  if (!options.force && isFresh(expected, inputs)) return 'fresh';

  // Generate beside the output and swap at the end: a failed run never leaves half a tree behind.
  const staging = `${OUT_DIR}.staging`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    if (inputs.length > 0) {
      execFileSync(
        process.execPath,
        [
          tools.protoc,
          `--plugin=protoc-gen-ts_proto=${tools.plugin}`,
          `--ts_proto_out=${staging}`,
          `--ts_proto_opt=${TS_PROTO_OPTIONS.join(',')}`,
          `--proto_path=${PROTO_DIR}`,
          `--proto_path=${tools.protocInclude}`,
          ...inputs,
        ],
        { cwd: PROTO_DIR, stdio: ['ignore', 'inherit', 'inherit'] },
      );
    }
    writeFileSync(join(staging, '.stamp.json'), JSON.stringify(expected, null, 2));
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`protoc failed for ${inputs.join(', ')}: ${error instanceof Error ? error.message : error}`);
  }
  rmSync(OUT_DIR, { recursive: true, force: true });
  renameSync(staging, OUT_DIR);
  log(`gen-proto: ${inputs.length} file(s) -> ${relative(ROOT, OUT_DIR)}`);
  return 'generated';
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    generateProtos({ force: process.argv.includes('--force') });
  } catch (error) {
    process.stderr.write(`gen-proto: ${error instanceof Error ? error.message : error}\n`);
    process.exit(1);
  }
}
