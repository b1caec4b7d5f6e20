// electron-builder `afterPack` hook (electron-builder.yml). CommonJS because electron-builder
// require()s hooks; the ELF code is an ES module, loaded with import().
//
// naudiodon's binding.gyp links naudiodon.node on Linux with `-Wl,-rpath,<module_root_dir>/build/Release`,
// so its RUNPATH is the build machine's absolute node_modules path. The packaged app ships
// libportaudio.so.2 beside naudiodon.node (asarUnpack), and only a RUNPATH of `$ORIGIN` finds it
// there on a user's machine. This hook rewrites it in the unpacked copy, in place (see
// elf-runpath.mjs). macOS already uses @loader_path and Windows finds the DLL beside the module,
// so other platforms are left alone.
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const ADDON = path.join('resources', 'app.asar.unpacked', 'node_modules', 'naudiodon', 'build', 'Release', 'naudiodon.node');

/**
 * @param {{ electronPlatformName: string, appOutDir: string }} context electron-builder's AfterPackContext
 */
async function afterPack(context) {
  if (context.electronPlatformName !== 'linux') return;
  const file = path.join(context.appOutDir, ADDON);
  if (!fs.existsSync(file)) {
    throw new Error(`afterPack: ${file} is missing (is naudiodon built and listed in asarUnpack?)`);
  }
  const { readRunpath, rewriteRunpath } = await import(pathToFileURL(path.join(__dirname, 'elf-runpath.mjs')).href);
  const buffer = fs.readFileSync(file);
  const before = readRunpath(buffer);
  rewriteRunpath(buffer, '$ORIGIN');
  // Write a new file and rename it over the old one: electron-builder may hard-link files from
  // node_modules into the output (USE_HARD_LINKS), and writing in place would patch the source too.
  const tmp = `${file}.runpath-tmp`;
  fs.writeFileSync(tmp, buffer, { mode: fs.statSync(file).mode & 0o7777 });
  fs.renameSync(tmp, file);
  console.log(`  • afterPack: ${path.relative(context.appOutDir, file)} RUNPATH ${before} -> $ORIGIN`);
}

module.exports = afterPack;
module.exports.afterPack = afterPack;
module.exports.default = afterPack;
