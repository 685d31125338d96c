import { ROUTE_VALUE_OTHER } from '../semconv.js';

/** Longest route kept; longer values fold into `other` like unseen ones past the cap. */
const MAX_ROUTE_LENGTH = 128;

/**
 * Keeps the set of `websocket.route` values bounded: the first `maxRoutes`
 * distinct values are kept, every later one reads `other`.
 */
export class RouteCap {
  private readonly seen = new Set<string>();
  private folded = false;

  constructor(private readonly maxRoutes: number) {}

  fold(route: unknown): string | undefined {
    if (typeof route !== 'string' || route === '') return undefined;
    if (this.seen.has(route)) return route;
    if (this.seen.size >= this.maxRoutes || route.length > MAX_ROUTE_LENGTH) {
      this.folded = true;
      return ROUTE_VALUE_OTHER;
    }
    this.seen.add(route);
    return route;
  }

  /** Every value `fold` has returned so far, so empty routes keep reporting 0. */
  known(): string[] {
    const routes = [...this.seen];
    if (this.folded) routes.push(ROUTE_VALUE_OTHER);
    return routes;
  }
}
