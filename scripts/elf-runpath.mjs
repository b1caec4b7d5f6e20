// Read and rewrite the RUNPATH/RPATH of an ELF shared object, in place, without patchelf.
//
// node-gyp links naudiodon.node with `-Wl,-rpath,<module_root_dir>/build/Release`, an absolute
// path of the build machine; the packaged app needs `$ORIGIN` (the directory of the .node) to
// find the libportaudio.so.2 shipped beside it. Like `chrpath`, rewriteRunpath() only overwrites
// the existing string in .dynstr (NUL-padded), so the new path cannot be longer than the old one;
// no section or segment moves, nothing else in the file changes.
//
// ELF fields used (System V gABI, "Object Files" chapter; offsets for ELFCLASS32 / ELFCLASS64):
// - ELF header (Elf32_Ehdr / Elf64_Ehdr):
//     e_ident[0..3] = 0x7f 'E' 'L' 'F'; e_ident[EI_CLASS=4]: 1 = ELFCLASS32, 2 = ELFCLASS64;
//     e_ident[EI_DATA=5]: 1 = ELFDATA2LSB (little-endian), 2 = ELFDATA2MSB (big-endian);
//     e_phoff (0x1c / 0x20): file offset of the program header table;
//     e_shoff (0x20 / 0x28): file offset of the section header table;
//     e_phentsize, e_phnum (0x2a, 0x2c / 0x36, 0x38): size and count of program headers;
//     e_shentsize, e_shnum (0x2e, 0x30 / 0x3a, 0x3c): size and count of section headers.
// - Program header (Elf32_Phdr / Elf64_Phdr): p_type (0 / 0), p_offset (4 / 8),
//     p_vaddr (8 / 16), p_filesz (16 / 32). p_type PT_LOAD = 1 (a segment mapped from
//     p_offset to p_vaddr), PT_DYNAMIC = 2 (the dynamic array).
// - Section header (Elf32_Shdr / Elf64_Shdr): sh_type (4 / 4), sh_addr (12 / 16),
//     sh_offset (16 / 24), sh_size (20 / 32). sh_type SHT_DYNAMIC = 6 (.dynamic). Used only when
//     there is no PT_DYNAMIC segment, and to map an address when no PT_LOAD covers it.
// - Dynamic entry (Elf32_Dyn, 8 bytes / Elf64_Dyn, 16 bytes): d_tag (signed word), then the union
//     d_un, read as d_val (d_ptr for addresses). Tags: DT_NULL = 0 (end of the array),
//     DT_STRTAB = 5 (d_ptr: virtual address of .dynstr), DT_STRSZ = 10 (d_val: its size),
//     DT_RPATH = 15 and DT_RUNPATH = 29 (d_val: offset of the NUL-terminated path in .dynstr).
//     When both are present the dynamic loader uses DT_RUNPATH and ignores DT_RPATH.
//
// DT_STRTAB holds a virtual address, not a file offset: it is translated through the PT_LOAD
// segment containing it (offset = addr - p_vaddr + p_offset).

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const SHT_DYNAMIC = 6;
const DT_NULL = 0n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/** @param {bigint} value @param {string} what */
function toNumber(value, what) {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`ELF: ${what} out of range (${value})`);
  return Number(value);
}

/**
 * Parses the ELF header and the dynamic array.
 * @param {Uint8Array} buffer
 */
function parse(buffer) {
  if (buffer.length < 0x34 || buffer[0] !== 0x7f || buffer[1] !== 0x45 || buffer[2] !== 0x4c || buffer[3] !== 0x46) {
    throw new Error('not an ELF file (no \\x7fELF magic)');
  }
  const elfClass = buffer[4];
  const data = buffer[5];
  if (elfClass !== 1 && elfClass !== 2) throw new Error(`ELF: unsupported EI_CLASS ${elfClass}`);
  if (data !== 1 && data !== 2) throw new Error(`ELF: unsupported EI_DATA ${data}`);
  const is64 = elfClass === 2;
  const le = data === 1;
  if (is64 && buffer.length < 0x40) throw new Error('ELF: truncated ELF64 header');
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);

  /** @param {number} off */
  const u16 = (off) => view.getUint16(off, le);
  /** Unsigned word (Elf32_Word/Addr/Off or Elf64_Xword/Addr/Off) at `off`. @param {number} off */
  const word = (off) => (is64 ? view.getBigUint64(off, le) : BigInt(view.getUint32(off, le)));
  /** Signed word (Elf32_Sword or Elf64_Sxword), for d_tag. @param {number} off */
  const sword = (off) => (is64 ? view.getBigInt64(off, le) : BigInt(view.getInt32(off, le)));
  /** @param {number} off @param {number} size @param {string} what */
  const checkRange = (off, size, what) => {
    if (off < 0 || size < 0 || off + size > buffer.length) throw new Error(`ELF: ${what} lies outside the file`);
  };

  const ePhoff = toNumber(word(is64 ? 0x20 : 0x1c), 'e_phoff');
  const eShoff = toNumber(word(is64 ? 0x28 : 0x20), 'e_shoff');
  const ePhentsize = u16(is64 ? 0x36 : 0x2a);
  const ePhnum = u16(is64 ? 0x38 : 0x2c);
  const eShentsize = u16(is64 ? 0x3a : 0x2e);
  const eShnum = u16(is64 ? 0x3c : 0x30);

  /** @type {{ type: number, offset: number, vaddr: bigint, filesz: number }[]} */
  const phdrs = [];
  if (ePhoff !== 0) {
    checkRange(ePhoff, ePhnum * ePhentsize, 'program header table');
    for (let i = 0; i < ePhnum; i++) {
      const at = ePhoff + i * ePhentsize;
      phdrs.push({
        type: view.getUint32(at, le), // p_type
        offset: toNumber(word(at + (is64 ? 8 : 4)), 'p_offset'),
        vaddr: word(at + (is64 ? 16 : 8)), // p_vaddr
        filesz: toNumber(word(at + (is64 ? 32 : 16)), 'p_filesz'),
      });
    }
  }
  /** @type {{ type: number, addr: bigint, offset: number, size: number }[]} */
  const shdrs = [];
  if (eShoff !== 0) {
    checkRange(eShoff, eShnum * eShentsize, 'section header table');
    for (let i = 0; i < eShnum; i++) {
      const at = eShoff + i * eShentsize;
      shdrs.push({
        type: view.getUint32(at + 4, le), // sh_type
        addr: word(at + (is64 ? 16 : 12)), // sh_addr
        offset: toNumber(word(at + (is64 ? 24 : 16)), 'sh_offset'),
        size: toNumber(word(at + (is64 ? 32 : 20)), 'sh_size'),
      });
    }
  }

  /** Virtual address → file offset, through the PT_LOAD segment (or allocated section) holding it. @param {bigint} addr */
  const addrToOffset = (addr) => {
    for (const ph of phdrs) {
      if (ph.type === PT_LOAD && addr >= ph.vaddr && addr < ph.vaddr + BigInt(ph.filesz)) {
        return ph.offset + toNumber(addr - ph.vaddr, 'address');
      }
    }
    for (const sh of shdrs) {
      if (sh.addr !== 0n && addr >= sh.addr && addr < sh.addr + BigInt(sh.size)) {
        return sh.offset + toNumber(addr - sh.addr, 'address');
      }
    }
    throw new Error(`ELF: address 0x${addr.toString(16)} is not in any PT_LOAD segment`);
  };

  // The dynamic array: the PT_DYNAMIC segment, else the SHT_DYNAMIC (.dynamic) section.
  let dynOffset = -1;
  let dynSize = 0;
  const dynSeg = phdrs.find((ph) => ph.type === PT_DYNAMIC);
  if (dynSeg) {
    dynOffset = dynSeg.offset;
    dynSize = dynSeg.filesz;
  } else {
    const dynSec = shdrs.find((sh) => sh.type === SHT_DYNAMIC);
    if (dynSec) {
      dynOffset = dynSec.offset;
      dynSize = dynSec.size;
    }
  }
  if (dynOffset < 0) throw new Error('ELF: no dynamic section (PT_DYNAMIC / .dynamic): not a dynamically linked object');
  checkRange(dynOffset, dynSize, 'dynamic section');

  const entSize = is64 ? 16 : 8;
  /** @type {bigint | undefined} */ let strtab;
  /** @type {bigint | undefined} */ let strsz;
  /** @type {bigint | undefined} */ let runpath;
  /** @type {bigint | undefined} */ let rpath;
  for (let at = dynOffset; at + entSize <= dynOffset + dynSize; at += entSize) {
    const tag = sword(at); // d_tag
    if (tag === DT_NULL) break;
    const val = word(at + (is64 ? 8 : 4)); // d_val / d_ptr
    if (tag === DT_STRTAB) strtab = val;
    else if (tag === DT_STRSZ) strsz = val;
    else if (tag === DT_RUNPATH) runpath = val;
    else if (tag === DT_RPATH) rpath = val;
  }

  /** @type {{ tag: 'RUNPATH' | 'RPATH', offset: number, length: number }[]} */
  const paths = [];
  if (runpath !== undefined || rpath !== undefined) {
    if (strtab === undefined) throw new Error('ELF: DT_RUNPATH/DT_RPATH without DT_STRTAB');
    const strOffset = addrToOffset(strtab);
    const strEnd = strsz !== undefined ? strOffset + toNumber(strsz, 'DT_STRSZ') : buffer.length;
    checkRange(strOffset, strEnd - strOffset, '.dynstr');
    /** @param {'RUNPATH' | 'RPATH'} tag @param {bigint} index */
    const add = (tag, index) => {
      const offset = strOffset + toNumber(index, `DT_${tag}`);
      const nul = buffer.indexOf(0, offset);
      if (offset >= strEnd || nul < 0 || nul >= strEnd) throw new Error(`ELF: DT_${tag} string is outside .dynstr`);
      paths.push({ tag, offset, length: nul - offset });
    };
    if (runpath !== undefined) add('RUNPATH', runpath);
    if (rpath !== undefined) add('RPATH', rpath);
  }
  return { paths };
}

/**
 * The run-time search path of an ELF object: DT_RUNPATH, else DT_RPATH (the dynamic loader
 * ignores DT_RPATH when DT_RUNPATH is present), or null when it has neither.
 * Throws when the buffer is not an ELF file.
 * @param {Uint8Array} buffer
 * @returns {string | null}
 */
export function readRunpath(buffer) {
  const first = parse(buffer).paths[0];
  return first ? new TextDecoder().decode(buffer.subarray(first.offset, first.offset + first.length)) : null;
}

/**
 * Overwrites the DT_RUNPATH and DT_RPATH strings in .dynstr with `newPath`, padded with NULs to
 * the old length (what `chrpath -r` does). Modifies `buffer` in place and returns it.
 * Throws when the buffer is not ELF, has neither DT_RUNPATH nor DT_RPATH, or `newPath` is longer
 * (in UTF-8 bytes) than the string it replaces.
 * (Like chrpath, this assumes no other .dynstr reference points into the old path's bytes; a
 * linker merging string tails would not share the tail of a directory list in practice.)
 * @template {Uint8Array} T
 * @param {T} buffer
 * @param {string} newPath
 * @returns {T}
 */
export function rewriteRunpath(buffer, newPath) {
  const bytes = new TextEncoder().encode(newPath);
  if (bytes.includes(0)) throw new Error('new RUNPATH must not contain a NUL byte');
  const { paths } = parse(buffer);
  if (paths.length === 0) throw new Error('ELF has no DT_RUNPATH or DT_RPATH entry to rewrite');
  for (const p of paths) {
    if (bytes.length > p.length) {
      throw new Error(
        `new ${p.tag} "${newPath}" (${bytes.length} bytes) is longer than the existing one (${p.length} bytes): ` +
          'it can only be rewritten in place to a string no longer than the old one',
      );
    }
  }
  for (const p of paths) {
    buffer.set(bytes, p.offset);
    buffer.fill(0, p.offset + bytes.length, p.offset + p.length);
  }
  return buffer;
}
