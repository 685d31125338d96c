/**
 * The most recent heartbeat round trips, in a fixed ring, for percentiles
 * over a recent time window (the health endpoints). Memory is bounded by
 * `capacity` whatever the number of connections.
 */
export class RttWindow {
  private readonly seconds: Float64Array;
  private readonly at: Float64Array;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity = 4096) {
    this.seconds = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
  }

  add(rttSeconds: number, now: number): void {
    this.seconds[this.next] = rttSeconds;
    this.at[this.next] = now;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Percentiles (0..1) of the samples taken within `windowMs` of `now`; empty when none. */
  percentiles(quantiles: number[], windowMs: number, now: number): number[] | undefined {
    const recent: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (now - this.at[i]! <= windowMs) recent.push(this.seconds[i]!);
    }
    if (recent.length === 0) return undefined;
    recent.sort((a, b) => a - b);
    return quantiles.map(
      (q) => recent[Math.min(recent.length - 1, Math.floor(q * recent.length))]!,
    );
  }
}
