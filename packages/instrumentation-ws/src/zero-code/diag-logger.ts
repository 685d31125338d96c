import { DiagConsoleLogger, type DiagLogger } from '@opentelemetry/api';

type Level = 'error' | 'warn' | 'info' | 'debug' | 'verbose';
const OURS = '@ws-otel/';
const DUPLICATE_METRICS = 'Attempted duplicate registration of API: metrics';
/** What the SDK logs when a scrape comes before host.id (read from a file) is in. */
const RESOURCE_PENDING = 'Accessing resource attributes before async attributes settled';
/** Lines from other components held until register knows whether it owns the SDK. */
const MAX_HELD = 50;

/**
 * register's console logger (at `OTEL_LOG_LEVEL`, default warn). Lines of
 * ours always print. Lines of other OpenTelemetry components belong to
 * whichever SDK owns the process: printed once register owns the provider,
 * dropped once it joined another SDK (which, like NodeSDK without
 * `OTEL_LOG_LEVEL`, may log nothing), held until ws loads and that is known.
 * With `OTEL_LOG_LEVEL` set, the user asked for every line at that level.
 */
export class RegisterDiagLogger implements DiagLogger {
  readonly #console = new DiagConsoleLogger();
  readonly #everything: boolean;
  #mode: 'undecided' | 'own' | 'joined' = 'undecided';
  #held: Array<[Level, string, unknown[]]> = [];

  constructor(levelWasSet: boolean) {
    this.#everything = levelWasSet;
  }

  /** register set up the global MeterProvider: print what was held. */
  own(): void {
    this.#mode = 'own';
    for (const [level, message, args] of this.#held.splice(0)) this.#print(level, message, args);
  }

  /** register joined another SDK's provider: other components' lines are not ours to print. */
  join(): void {
    this.#mode = 'joined';
    this.#held = [];
  }

  error(message: string, ...args: unknown[]): void {
    this.#log('error', message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.#log('warn', message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this.#log('info', message, args);
  }
  debug(message: string, ...args: unknown[]): void {
    this.#log('debug', message, args);
  }
  verbose(message: string, ...args: unknown[]): void {
    this.#log('verbose', message, args);
  }

  #log(level: Level, message: string, args: unknown[]): void {
    if (this.#everything || this.#mode === 'own' || String(message).startsWith(OURS)) {
      this.#print(level, message, args);
    } else if (this.#mode === 'undecided' && this.#held.length < MAX_HELD) {
      this.#held.push([level, message, args]);
    }
  }

  #print(level: Level, message: string, args: unknown[]): void {
    // Once register owns the global provider, an SDK started after ws loaded
    // is refused the slot, and the API logs a stack trace that reads like a
    // crash: say in one line what happens instead.
    // A scrape in register's first milliseconds sees its resource without
    // host.id, which arrives moments later: not worth an error line.
    if (this.#mode === 'own' && message === RESOURCE_PENDING) return;
    if (this.#mode === 'own' && String(message).includes(DUPLICATE_METRICS)) {
      this.#console.warn(
        '@ws-otel/instrumentation-ws/register: another OpenTelemetry SDK started after ws was ' +
          'loaded and could not register its MeterProvider, since register already had; all ' +
          "metrics, that SDK's instrumentations' included, are exported by register's exporters " +
          '(OTEL_METRICS_EXPORTER). To have your SDK export them instead, start it before ws is ' +
          'loaded; register then joins it',
      );
      return;
    }
    this.#console[level](message, ...args);
  }
}
