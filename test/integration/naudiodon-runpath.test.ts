/**
 * The packaged Linux app must find the libportaudio.so.2 shipped beside naudiodon.node. node-gyp
 * links naudiodon.node with an absolute RUNPATH (this machine's node_modules/.../build/Release),
 * so the electron-builder afterPack hook (scripts/electron-after-pack.cjs) rewrites it to
 * `$ORIGIN` with scripts/elf-runpath.mjs. Here the hook runs on a fake appOutDir in a temp dir
 * holding copies of the two files; ldd and a child Node process check that the copy of
 * libportaudio beside the relocated addon is the one loaded.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface ElfRunpath {
  readRunpath(buffer: Uint8Array): string | null;
  rewriteRunpath<T extends Uint8Array>(buffer: T, newPath: string): T;
}
type AfterPack = (context: { electronPlatformName: string; appOutDir: string }) => Promise<void>;

const ROOT = resolve(import.meta.dirname, '../..');
const RELEASE = join(ROOT, 'node_modules/naudiodon/build/Release');
const ADDON = join(RELEASE, 'naudiodon.node');
const PORTAUDIO = join(RELEASE, 'libportaudio.so.2');
const UNPACKED_RELEASE = 'resources/app.asar.unpacked/node_modules/naudiodon/build/Release';

const { readRunpath, rewriteRunpath } = (await import(pathToFileURL(join(ROOT, 'scripts/elf-runpath.mjs')).href)) as ElfRunpath;
const afterPack = createRequire(import.meta.url)('../../scripts/electron-after-pack.cjs') as AfterPack;

/** The environment without LD_LIBRARY_PATH, which the loader searches before RUNPATH. */
function loaderEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LD_LIBRARY_PATH;
  return env;
}

/** Where ldd resolves libportaudio.so.2 for `file`. */
function lddPortaudio(file: string): string {
  const out = execFileSync('ldd', [file], { encoding: 'utf8', env: loaderEnv() });
  const m = /^\s*libportaudio\.so\.2 => (\S+)/m.exec(out);
  if (!m?.[1]) throw new Error(`ldd does not list libportaudio.so.2 for ${file}:\n${out}`);
  return m[1];
}

/** Copies naudiodon.node and libportaudio.so.2 into a fake electron-builder appOutDir. */
function fakeAppOutDir(parent: string, name: string): { appOutDir: string; release: string; addon: string } {
  const appOutDir = join(parent, name);
  const release = join(appOutDir, UNPACKED_RELEASE);
  mkdirSync(release, { recursive: true });
  copyFileSync(ADDON, join(release, 'naudiodon.node'));
  copyFileSync(PORTAUDIO, join(release, 'libportaudio.so.2'));
  return { appOutDir, release, addon: join(release, 'naudiodon.node') };
}

/**
 * A minimal ELF32 little-endian shared object (ELF header, a PT_LOAD covering the file at vaddr
 * 0x1000, a PT_DYNAMIC, .dynstr and the dynamic array), since this machine builds no 32-bit code.
 */
function makeElf32(tag: 15 | 29, path: string): Buffer {
  const dynstr = Buffer.from(`\0libc.so.6\0${path}\0`, 'utf8');
  const strOff = 52 + 2 * 32;
  const dynOff = (strOff + dynstr.length + 3) & ~3;
  const dyn: [number, number][] = [[1, 1], [5, 0x1000 + strOff], [10, dynstr.length], [tag, 11], [0, 0]];
  const size = dynOff + dyn.length * 8;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0); // ELFCLASS32, ELFDATA2LSB, EV_CURRENT
  b.writeUInt16LE(3, 0x10); // e_type ET_DYN
  b.writeUInt16LE(3, 0x12); // e_machine EM_386
  b.writeUInt32LE(1, 0x14); // e_version
  b.writeUInt32LE(52, 0x1c); // e_phoff
  b.writeUInt16LE(52, 0x28); // e_ehsize
  b.writeUInt16LE(32, 0x2a); // e_phentsize
  b.writeUInt16LE(2, 0x2c); // e_phnum
  b.writeUInt16LE(40, 0x2e); // e_shentsize (no sections)
  const phdr = (at: number, type: number, offset: number, filesz: number, flags: number, align: number): void => {
    for (const [i, v] of [type, offset, 0x1000 + offset, 0x1000 + offset, filesz, filesz, flags, align].entries()) b.writeUInt32LE(v, at + i * 4);
  };
  phdr(52, 1, 0, size, 6, 0x1000); // PT_LOAD
  phdr(84, 2, dynOff, dyn.length * 8, 6, 4); // PT_DYNAMIC
  dynstr.copy(b, strOff);
  for (const [i, [t, v]] of dyn.entries()) {
    b.writeInt32LE(t, dynOff + i * 8);
    b.writeUInt32LE(v, dynOff + i * 8 + 4);
  }
  return b;
}

let tmp = '';
beforeAll(() => {
  if (!existsSync(ADDON) || !existsSync(PORTAUDIO)) {
    throw new Error(`naudiodon is not built: ${ADDON} and ${PORTAUDIO} must exist (npm ci builds them; see native/README.md)`);
  }
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'parley-runpath-')));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('naudiodon RUNPATH in the packaged Linux app', () => {
  it('node-gyp leaves an absolute RUNPATH that ldd resolves to node_modules (the bug)', () => {
    expect(readRunpath(readFileSync(ADDON))).toBe(RELEASE);
    const { addon } = fakeAppOutDir(tmp, 'before');
    expect(readRunpath(readFileSync(addon))).toBe(RELEASE);
    expect(realpathSync(lddPortaudio(addon))).toBe(realpathSync(PORTAUDIO));
  });

  it('the afterPack hook rewrites it to $ORIGIN, so the libportaudio beside the addon is loaded', async () => {
    const { appOutDir, release, addon } = fakeAppOutDir(tmp, 'linux');
    const size = statSync(addon).size;
    const mode = statSync(addon).mode;
    await afterPack({ electronPlatformName: 'linux', appOutDir });

    expect(readRunpath(readFileSync(addon))).toBe('$ORIGIN');
    expect(statSync(addon).size).toBe(size);
    expect(statSync(addon).mode).toBe(mode);
    expect(readRunpath(readFileSync(ADDON))).toBe(RELEASE); // the source in node_modules is untouched
    expect(lddPortaudio(addon)).toBe(join(release, 'libportaudio.so.2'));
    expect(execFileSync('readelf', ['-d', addon], { encoding: 'utf8' })).toMatch(/\(RUNPATH\)\s+Library runpath: \[\$ORIGIN\]/);

    // The .node itself (not naudiodon's index.js) loads in Node, with the relocated libportaudio.
    const script =
      "require(process.argv[1]); const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');" +
      "console.log(JSON.stringify([...new Set(maps.split('\\n').filter((l) => l.includes('libportaudio')).map((l) => l.slice(l.indexOf('/'))))]));";
    const out = execFileSync(process.execPath, ['-e', script, addon], { encoding: 'utf8', env: loaderEnv() });
    const lastLine = out.trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(lastLine)).toEqual([join(release, 'libportaudio.so.2')]);
  });

  it('the hook leaves other platforms alone', async () => {
    const { appOutDir, addon } = fakeAppOutDir(tmp, 'darwin');
    const before = readFileSync(addon);
    await afterPack({ electronPlatformName: 'darwin', appOutDir });
    await afterPack({ electronPlatformName: 'win32', appOutDir });
    expect(readFileSync(addon).equals(before)).toBe(true);
  });

  it('the hook fails the Linux build when the unpacked addon is missing', async () => {
    const appOutDir = join(tmp, 'empty');
    mkdirSync(appOutDir);
    await expect(afterPack({ electronPlatformName: 'linux', appOutDir })).rejects.toThrow(/naudiodon\.node is missing/);
  });
});

describe('elf-runpath', () => {
  it('rejects a buffer that is not ELF', () => {
    const notElf = Buffer.from('#!/bin/sh\necho this is not an ELF file\n'.repeat(4));
    expect(() => readRunpath(notElf)).toThrow(/not an ELF file/);
    expect(() => rewriteRunpath(notElf, '$ORIGIN')).toThrow(/not an ELF file/);
    expect(() => readRunpath(Buffer.alloc(0))).toThrow(/not an ELF file/);
  });

  it('refuses a new path longer than the old one and leaves the buffer unchanged', () => {
    const original = readFileSync(ADDON);
    const buffer = Buffer.from(original);
    expect(() => rewriteRunpath(buffer, `${RELEASE}/x`)).toThrow(/longer than the existing one/);
    expect(buffer.equals(original)).toBe(true);
    // Exactly the old length fits.
    const same = RELEASE.replace(/\/[^/]*$/, (s) => '/' + 'y'.repeat(s.length - 1));
    expect(readRunpath(rewriteRunpath(buffer, same))).toBe(same);
  });

  it('refuses an ELF file without RUNPATH or RPATH (libportaudio.so.2 has none)', () => {
    const lib = readFileSync(PORTAUDIO);
    expect(readRunpath(lib)).toBeNull();
    expect(() => rewriteRunpath(lib, '$ORIGIN')).toThrow(/no DT_RUNPATH or DT_RPATH/);
  });

  it.each([['RUNPATH', 29], ['RPATH', 15]] as const)('reads and rewrites an ELF32 DT_%s (d_tag %s), checked with readelf', (name, tag) => {
    const elf = makeElf32(tag, '/opt/build/machine/lib');
    const file = join(tmp, `elf32-${name}.so`);
    writeFileSync(file, elf);
    const label = name === 'RUNPATH' ? 'Library runpath' : 'Library rpath';
    expect(execFileSync('readelf', ['-d', file], { encoding: 'utf8' })).toContain(`${label}: [/opt/build/machine/lib]`);
    expect(readRunpath(elf)).toBe('/opt/build/machine/lib');
    writeFileSync(file, rewriteRunpath(elf, '$ORIGIN/lib'));
    expect(readRunpath(readFileSync(file))).toBe('$ORIGIN/lib');
    expect(execFileSync('readelf', ['-d', file], { encoding: 'utf8' })).toContain(`${label}: [$ORIGIN/lib]`);
  });
});
