/**
 * `parley options <uri>`: sends OPTIONS (RFC 3261 §11) and prints the answer: status line and
 * what the peer says it can do. Exit 0 on a 2xx, 2 on anything else (with one line on stderr).
 */
import { ValidationError } from '../../base/errors';
import { EXIT, type CliIo } from '../cli-io';
import { openSession } from '../cli-session';
import { outcomeText } from '../failure-text';
import type { GlobalOptions } from '../global-options';
import { parseSipUri, resolveAccount } from '../../ua/account';

const SHOWN = ['Allow', 'Accept', 'Supported', 'Allow-Events', 'Server', 'User-Agent'];

export async function optionsCommand(g: GlobalOptions, target: string | undefined, io: CliIo): Promise<number> {
  if (!target) throw new ValidationError('options needs a target URI, e.g. parley options sip:127.0.0.1:5060');
  const uri = parseSipUri(target, 'the OPTIONS target');
  if (g.transport && !g.account && uri.transport === undefined && uri.scheme === 'sip') uri.params.set('transport', g.transport);
  const hop = g.account ? resolveAccount(g.account).nextHop.host : uri.host;
  const session = await openSession(g, io, hop);
  try {
    if (g.account) session.ua.addAccount(g.account);
    const result = await session.ua.options(uri.toString(), g.account?.id);
    const { outcome } = result;
    if (outcome.kind === 'response') {
      const res = outcome.response;
      const headers = Object.fromEntries(SHOWN.filter((h) => res.has(h)).map((h) => [h, res.getAll(h).join(', ')]));
      const human = [`${res.status} ${res.reason} from ${target} in ${Math.round(result.elapsedMs)} ms`, ...Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`)].join('\n');
      session.event('options.result', { target, status: res.status, reason: res.reason, headers, elapsedMs: Math.round(result.elapsedMs) }, human);
      if (res.status >= 200 && res.status < 300) return EXIT.OK;
      io.stderr(`parley: OPTIONS ${target}: ${outcomeText(outcome, target)}\n`);
      return EXIT.FAILURE;
    }
    session.event('options.result', { target, failure: outcome.kind, ...(outcome.kind === 'transport-error' ? { code: outcome.error.code } : {}) });
    io.stderr(`parley: OPTIONS ${target}: ${outcomeText(outcome, target)}\n`);
    return EXIT.FAILURE;
  } finally {
    await session.close();
  }
}
