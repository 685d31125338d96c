import { createNoopMeter, type MeterProvider, metrics } from '@opentelemetry/api';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';

/**
 * The MeterProvider an SDK already registered with the API (NodeSDK,
 * auto-instrumentations' register, a user's own), or undefined while the
 * API still hands out its no-op. The API exports no no-op provider to compare
 * with, but its no-op provider gives out no-op meters; the meter asked for is
 * the one the instrumentation takes anyway, so asking costs nothing.
 */
export function registeredMeterProvider(): MeterProvider | undefined {
  const provider = metrics.getMeterProvider();
  const meter = provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
  const noop = Object.getPrototypeOf(createNoopMeter());
  return Object.getPrototypeOf(meter) === noop ? undefined : provider;
}
