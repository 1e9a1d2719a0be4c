// Reading the node's Prometheus text (GET /metrics): a counter's value and a
// histogram's quantiles from its cumulative buckets (upper bound of the
// bucket the quantile falls in, as Prometheus' histogram_quantile would bound it).

export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/);
    if (!match) continue;
    const labels = {};
    if (match[2]) for (const [, k, v] of match[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

export function value(samples, name) {
  const found = samples.filter((s) => s.name === name);
  return found.length ? found.reduce((sum, s) => sum + s.value, 0) : null;
}

export function quantile(samples, name, q) {
  const buckets = samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => ({ le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
  if (!buckets.length) return null;
  const total = buckets[buckets.length - 1].count;
  if (!total) return null;
  const rank = q * total;
  return buckets.find((b) => b.count >= rank).le;
}
