import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../base/errors';
import { parseJbtScript, runJbtScript } from './jbt-script';

const dir = join(__dirname, '../../../test/fixtures/jitter');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.jbt')).sort();

describe('JitterBuffer scripts (test/fixtures/jitter/*.jbt, pjmedia Jbtest style)', () => {
  it('has scripts to run', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  it.each(scripts)('%s meets its pass conditions', (file) => {
    const script = parseJbtScript(readFileSync(join(dir, file), 'utf8'));
    expect(script.conditions.length).toBeGreaterThan(0);
    const { failures, values } = runJbtScript(script);
    expect(failures, JSON.stringify(values)).toEqual([]);
  });
});

describe('parseJbtScript', () => {
  it('reads the header, events across lines and conditions with operators', () => {
    const s = parseJbtScript('# c\n%adaptive 0 0 40\nPGPG PP\nGG # tail\n!delay 10\n!lost <= 2\n');
    expect(s).toMatchObject({ initial: 0, min: 0, max: 40, events: 'PGPGPPGG' });
    expect(s.conditions).toEqual([
      { name: 'delay', op: '=', value: 10, line: 5 },
      { name: 'lost', op: '<=', value: 2, line: 6 },
    ]);
  });

  it('rejects a missing header, unknown events and unknown statistics with ValidationError', () => {
    expect(() => parseJbtScript('PG')).toThrow(ValidationError);
    expect(() => parseJbtScript('%adaptive 1 1 10\nPQG')).toThrow(/line 2/);
    expect(() => parseJbtScript('%fixed 2\nPG\n!bogus 1')).toThrow(ValidationError);
    expect(() => parseJbtScript('%adaptive 1 x 10')).toThrow(ValidationError);
  });

  it('reports a failed condition with its line', () => {
    const { failures } = runJbtScript(parseJbtScript('%fixed 1\nPGPG\n!frames 5'));
    expect(failures).toEqual(['line 3: frames is 1, expected = 5']);
  });
});
