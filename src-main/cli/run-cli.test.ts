import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from './run-cli';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {} });
  return { code, out, err };
}

describe('parley CLI', () => {
  it('prints help with exit 0 for --help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(/^Usage: parley \[global options\] <command>/);
  });

  it('prints the version', async () => {
    const r = await run('version');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(/^Parley \d+\.\d+\.\d+ \(node /);
  });

  it('exits 1 with one line on stderr for an unknown command or option', async () => {
    const a = await run('frobnicate');
    expect(a.code).toBe(EXIT.USAGE);
    expect(a.err).toBe("parley: unknown command 'frobnicate' (see 'parley --help')\n");
    const b = await run('--nope');
    expect(b.code).toBe(EXIT.USAGE);
    expect(b.err.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
