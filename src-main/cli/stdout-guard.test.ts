import { describe, expect, it } from 'vitest';
import { GUARDED_ENV, needsStdoutGuard } from './stdout-guard';

describe('the stdout guard (naudiodon prints to fd 1)', () => {
  it('guards JSON output that opens a sound card: --json with --audio-in/--audio-out, or shell with them', () => {
    expect(needsStdoutGuard(['answer', '--json', '--audio-in', 'default'], {})).toBe(true);
    expect(needsStdoutGuard(['call', 'sip:b@h', '--audio-out=default', '--json'], {})).toBe(true);
    expect(needsStdoutGuard(['shell', '--audio-out', 'default'], {})).toBe(true);
  });

  it('leaves alone text output, file devices, and the guarded child itself', () => {
    expect(needsStdoutGuard(['answer', '--audio-in', 'default'], {})).toBe(false);
    expect(needsStdoutGuard(['call', 'sip:b@h', '--json', '--play', 'a.wav'], {})).toBe(false);
    expect(needsStdoutGuard(['shell'], {})).toBe(false);
    expect(needsStdoutGuard(['shell', '--audio-in', 'default'], { [GUARDED_ENV]: '1' })).toBe(false);
  });
});
