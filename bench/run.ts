/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line) one
 * after another in this process and prints their figures. Benchmarks compare within one run
 * (ratios to a peer or a floor), because timings on shared machines are noisy.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  readonly title: string;
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

if (files.length === 0) {
  console.error(`bench: no benchmark matches ${wanted.join(' ') || '(any)'}`);
  process.exit(1);
}
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  console.log(`\n=== ${mod.title} (${file}) ===`);
  await mod.run();
}
