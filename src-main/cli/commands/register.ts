/**
 * `parley register [--duration <s>]`: registers, prints the outcome, stays registered for the
 * duration (refreshing), unregisters and exits. Without --duration it stays until interrupted.
 * Exit 0 on success, 2 on a failure with one line on stderr saying which, 1 on a usage error.
 */
import { ValidationError } from '../../base/errors';
import { EXIT, type CliIo } from '../cli-io';
import { openSession } from '../cli-session';
import { registrationFailureText } from '../failure-text';
import type { GlobalOptions } from '../global-options';
import { resolveAccount } from '../../ua/account';

export async function registerCommand(g: GlobalOptions, args: { duration?: string | undefined }, io: CliIo): Promise<number> {
  if (!g.account) throw new ValidationError('register needs --account <sip-uri>');
  let durationMs: number | undefined;
  if (args.duration !== undefined) {
    const s = Number(args.duration);
    if (!Number.isFinite(s) || s < 0) throw new ValidationError(`--duration must be a number of seconds ≥ 0, not '${args.duration}'`);
    durationMs = s * 1000;
  }
  const account = resolveAccount(g.account);
  const via = account.nextHop.toString();
  const session = await openSession(g, io, account.nextHop.host);
  const { ua } = session;
  try {
    ua.addAccount(g.account);
    const first = await ua.registerAndWait(g.account.id);
    if (first.state === 'failed') {
      io.stderr(`parley: ${registrationFailureText(first, via)}\n`);
      return EXIT.FAILURE;
    }
    session.event('registered', { aor: first.aor, expires: first.expires }, `registered ${first.aor} via ${via} for ${first.expires} s`);
    await waitFor(durationMs, io.interrupted);
    const last = ua.registration(g.account.id);
    await ua.unregister(g.account.id);
    session.event('unregistered', { aor: first.aor }, `unregistered ${first.aor}`);
    if (last.state === 'failed') {
      io.stderr(`parley: ${registrationFailureText(last, via)}\n`);
      return EXIT.FAILURE;
    }
    return EXIT.OK;
  } finally {
    await session.close();
  }
}

function waitFor(ms: number | undefined, interrupted: Promise<void> | undefined): Promise<void> {
  const waits: Promise<void>[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (ms !== undefined) waits.push(new Promise((r) => (timer = setTimeout(r, ms))));
  if (interrupted) waits.push(interrupted);
  if (waits.length === 0) return Promise.resolve();
  return Promise.race(waits).finally(() => clearTimeout(timer));
}
