import {
  type BatchObservableCallback,
  createNoopMeter,
  type Meter,
  type MeterOptions,
  type MeterProvider,
  type MetricOptions,
  type Observable,
} from '@opentelemetry/api';

const OBSERVABLE_FACTORIES = new Set<PropertyKey>([
  'createObservableGauge',
  'createObservableCounter',
  'createObservableUpDownCounter',
]);

/**
 * A MeterProvider whose meters leave out the observable instruments named in
 * `names`: creating one returns a no-op instrument, and a batch callback that
 * observes nothing else is never registered, so its work never runs. Every
 * other call goes to `provider` unchanged. For a library whose instruments we
 * start but whose every option we do not control.
 */
export function meterProviderWithout(
  provider: MeterProvider,
  names: ReadonlySet<string>,
): MeterProvider {
  return {
    getMeter(name: string, version?: string, options?: MeterOptions): Meter {
      return meterWithout(provider.getMeter(name, version, options), names);
    },
  };
}

function meterWithout(meter: Meter, names: ReadonlySet<string>): Meter {
  const noop = createNoopMeter();
  const leftOut = new WeakSet<Observable>();
  return new Proxy(meter, {
    get(target, property) {
      const own = Reflect.get(target, property, target) as unknown;
      if (OBSERVABLE_FACTORIES.has(property)) {
        const create = own as (name: string, options?: MetricOptions) => Observable;
        return (name: string, options?: MetricOptions): Observable => {
          if (!names.has(name)) return create.call(target, name, options);
          const instrument = noop.createObservableGauge(name, options);
          leftOut.add(instrument);
          return instrument;
        };
      }
      if (property === 'addBatchObservableCallback') {
        return (callback: BatchObservableCallback, observables: Observable[]): void => {
          const kept = observables.filter((observable) => !leftOut.has(observable));
          if (kept.length > 0 || observables.length === 0) {
            target.addBatchObservableCallback(callback, kept);
          }
        };
      }
      return typeof own === 'function' ? own.bind(target) : own;
    },
  });
}
