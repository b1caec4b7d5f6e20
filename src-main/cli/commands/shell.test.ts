import { afterEach, describe, expect, it } from 'vitest';
import { UserAgent } from '../../ua/user-agent';
import { runCli } from '../run-cli';

/** Feeds lines to the shell one at a time, each after `ready(output)` says so. */
function scripted(steps: { when: (out: string) => boolean; line: string }[], read: () => string): () => AsyncIterable<string> {
  return () => ({
    async *[Symbol.asyncIterator]() {
      for (const step of steps) {
        const end = Date.now() + 10_000;
        while (!step.when(read())) {
          if (Date.now() > end) throw new Error(`shell test: timed out before '${step.line}'\n${read()}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        yield step.line;
      }
    },
  });
}

let bob: UserAgent | undefined;
afterEach(async () => {
  await bob?.shutdown(200);
});

describe('parley shell', () => {
  it('dials, holds, resumes, sends DTMF and hangs up from standard input, printing JSON events', async () => {
    bob = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], autoAnswer: true });
    const bobUri = `sip:bob@127.0.0.1:${bob.stack.localAddress('udp').port}`;
    let out = '';
    let err = '';
    const events = () =>
      out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; state?: string; command?: string; message?: string; echoCancellation?: boolean; noiseSuppression?: boolean });
    const has = (pred: (e: ReturnType<typeof events>[number]) => boolean) => (o: string) => o.length > 0 && events().some(pred);
    const okCount = (n: number) => () => events().filter((e) => e.event === 'command.ok').length >= n;
    const errCount = (n: number) => () => events().filter((e) => e.event === 'command.error').length >= n;
    const lines = scripted(
      [
        { when: has((e) => e.event === 'ready'), line: 'frobnicate' },
        { when: has((e) => e.event === 'command.error'), line: `dial ${bobUri}` },
        { when: has((e) => e.event === 'call.updated' && e.state === 'established'), line: 'device output default' },
        { when: errCount(2), line: 'device sideways Built-in' },
        { when: errCount(3), line: 'hold' },
        { when: has((e) => e.event === 'call.updated' && e.state === 'held'), line: 'resume' },
        { when: okCount(3), line: 'aec on' },
        { when: okCount(4), line: 'ns loud' },
        { when: errCount(4), line: 'ns on' },
        { when: okCount(5), line: 'aec off' },
        { when: okCount(6), line: 'voice' },
        { when: okCount(7), line: 'dtmf 12#' },
        { when: okCount(8), line: 'hangup' },
        { when: has((e) => e.event === 'call.ended'), line: 'quit' },
      ],
      () => out,
    );
    const code = await runCli(['shell', '--listen', '127.0.0.1:0'], { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {}, lines });
    expect(code, err).toBe(0);
    const all = events();
    const errors = all.filter((e) => e.event === 'command.error').map((e) => e.message);
    expect(errors[0]).toMatch(/unknown command 'frobnicate'/);
    // No sound card in use (no --audio-in/--audio-out): nothing to switch, said plainly.
    expect(errors[1]).toMatch(/the output is a null device: nothing to switch/);
    expect(errors[2]).toMatch(/usage: device input\|output/);
    expect(errors[3]).toMatch(/ns takes on or off, not 'loud'/);
    const oks = all.filter((e) => e.event === 'command.ok');
    expect(oks.map((e) => e.command)).toEqual(['dial', 'hold', 'resume', 'aec', 'ns', 'aec', 'voice', 'dtmf', 'hangup']);
    // Each switch is read back from the media worker: WAV-less shell starts with both off.
    expect(oks.filter((e) => ['aec', 'ns', 'voice'].includes(e.command!)).map((e) => [e.echoCancellation, e.noiseSuppression])).toEqual([
      [true, false],
      [true, true],
      [false, true],
      [false, true],
    ]);
    const states = all.filter((e) => e.event === 'call.updated').map((e) => e.state);
    expect(states).toContain('held');
    expect(all.some((e) => e.event === 'call.ended')).toBe(true);
  });
});
