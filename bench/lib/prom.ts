/**
 * Reads the engine's /metrics (Prometheus text format): sample values by name and labels, and
 * quantiles estimated from histogram buckets the way Prometheus' histogram_quantile() does
 * (linear within the bucket the rank falls in).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of every sample called `name` whose labels include `match`. */
export function metricSum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

export interface Buckets {
  /** Upper bounds ascending, +Inf last, with cumulative counts. */
  le: number[];
  counts: number[];
}

export function histogram(samples: Sample[], name: string): Buckets {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const le = [...byLe.keys()].sort((a, b) => a - b);
  return { le, counts: le.map((l) => byLe.get(l)!) };
}

/** Bucket counts of `b` minus those of `a` (observations between two scrapes). */
export function histogramDelta(a: Buckets, b: Buckets): Buckets {
  return { le: b.le, counts: b.counts.map((c, i) => c - (a.counts[i] ?? 0)) };
}

/** Estimated p-quantile; NaN without observations. Above the last finite bound: that bound. */
export function histogramQuantile(b: Buckets, p: number): number {
  const total = b.counts[b.counts.length - 1] ?? 0;
  if (total <= 0) return NaN;
  const rank = p * total;
  for (let i = 0; i < b.le.length; i++) {
    if (b.counts[i] >= rank) {
      if (b.le[i] === Infinity) return b.le[i - 1] ?? NaN;
      const lo = i === 0 ? 0 : b.le[i - 1];
      const below = i === 0 ? 0 : b.counts[i - 1];
      const inBucket = b.counts[i] - below;
      return inBucket <= 0 ? b.le[i] : lo + ((b.le[i] - lo) * (rank - below)) / inBucket;
    }
  }
  return NaN;
}

export async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return parseMetrics(await res.text());
}
