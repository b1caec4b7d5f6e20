/**
 * Shared timing helpers for benchmarks: run a body in rounds for a fixed time budget and
 * report the median rate, so one slow round (GC, the other core busy) does not skew it.
 */
export interface Rate {
  readonly perSecond: number;
  readonly rounds: number;
}

export function measureRate(body: () => number, budgetMs = 1500, rounds = 7): Rate {
  // Warm up so the JIT has compiled the hot path before timing.
  const warmEnd = performance.now() + Math.min(300, budgetMs / 4);
  while (performance.now() < warmEnd) body();
  const rates: number[] = [];
  const roundMs = budgetMs / rounds;
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < roundMs) {
      ops += body();
      now = performance.now();
    }
    rates.push((ops * 1000) / (now - start));
  }
  rates.sort((a, b) => a - b);
  return { perSecond: rates[Math.floor(rates.length / 2)]!, rounds };
}

/** Formats rows as an aligned text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
