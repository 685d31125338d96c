import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { type ActiveInstrumentation, active, notifyWsPatched } from './active.js';
import { FanOutDetector } from './broadcast/fan-out.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { ClosedSweep } from './connections/closed-sweep.js';
import { ConnectionRegistry } from './connections/registry.js';
import { RouteCap } from './connections/routes.js';
import { TrafficCounters } from './connections/traffic.js';
import { HeartbeatScheduler } from './heartbeat/scheduler.js';
import type { WsModuleExports } from './internal-types.js';
import { WsMetrics } from './metrics/instruments.js';
import type { HookContext } from './patch/hook-context.js';
import { findLoadedWs } from './patch/loaded-copies.js';
import { PropertyPatcher } from './patch/patcher.js';
import { kPatched, patchWebSocketServer } from './patch/server-hooks.js';
import { patchWebSocket, releasePendingClients } from './patch/websocket-hooks.js';
import type { WsInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const SUPPORTED_VERSIONS = ['>=7.0.0 <9'];

// One registry and one set of totals per process (per copy of this package):
// every instance reports the same truth, even if a second one is created by mistake.
const sharedRegistry = new ConnectionRegistry();
const sharedTraffic = new TrafficCounters();
const sharedSweep = new ClosedSweep(sharedRegistry);

/** Everything the hooks share, created on first use (see `state()`). */
class InstrumentationState implements HookContext, ActiveInstrumentation {
  readonly registry = sharedRegistry;
  readonly traffic = sharedTraffic;
  readonly patcher = new PropertyPatcher();
  readonly pendingClients = new Set<object>();
  readonly fanOut = new FanOutDetector(() => this.metrics);
  readonly heartbeat = new HeartbeatScheduler(
    this.registry,
    () => this.config,
    () => this.metrics,
  );
  /** Whether this instance's patches are in place (the heartbeat runs only then). */
  patched = false;
  draining = false;
  routes: RouteCap;
  metrics!: WsMetrics;
  warnedPatchedElsewhere = false;

  constructor(public config: ResolvedConfig) {
    this.routes = new RouteCap(config.maxRoutes);
  }

  /** Where the observable instruments read from; getters, as config and routes can change. */
  readonly sources = {
    registry: this.registry,
    traffic: this.traffic,
    routes: () => this.routes,
    backpressureThreshold: () => this.config.backpressureThreshold,
  };
}

/**
 * OpenTelemetry metrics for `ws` 7 and 8: connections, handshakes, messages,
 * bytes, close codes and errors, on both server and client sockets. It
 * patches ws's prototypes once, however ws is loaded (`require`, `import`,
 * or both), and `disable()` puts every original back.
 */
export class WsInstrumentation extends InstrumentationBase<WsInstrumentationConfig> {
  // The base constructor calls setConfig, _updateMetricInstruments and enable
  // before subclass fields would be initialised, so state is created lazily.
  declare private _wsState: InstrumentationState | undefined;

  constructor(config: WsInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  private state(): InstrumentationState {
    if (this._wsState === undefined) {
      this._wsState = new InstrumentationState(resolveConfig(this._config));
    }
    return this._wsState;
  }

  protected init() {
    const patchWebSocketFile = (exports: unknown) => {
      this.patchWebSocketClass(exports as WsModuleExports['WebSocket']);
      // ESM: lib/websocket-server.js is evaluated after this file without a
      // require hook; pick it up from require.cache once the graph has run.
      queueMicrotask(() => this.patchLoadedCopies());
      return exports;
    };
    const patchServerFile = (exports: unknown) => {
      this.patchServerClass(exports as WsModuleExports['WebSocketServer']);
      return exports;
    };
    const patchMain = (exports: unknown) => {
      this.patchModuleExports(exports as WsModuleExports);
      return exports;
    };
    const unpatch = () => this.unpatchAll();
    return new InstrumentationNodeModuleDefinition('ws', SUPPORTED_VERSIONS, patchMain, unpatch, [
      new InstrumentationNodeModuleFile(
        'ws/lib/websocket.js',
        SUPPORTED_VERSIONS,
        patchWebSocketFile,
        unpatch,
      ),
      new InstrumentationNodeModuleFile(
        'ws/lib/websocket-server.js',
        SUPPORTED_VERSIONS,
        patchServerFile,
        unpatch,
      ),
    ]);
  }

  protected override _updateMetricInstruments(): void {
    const state = this.state();
    // The old meter must stop observing, or its provider keeps exporting the totals.
    state.metrics?.detach();
    state.metrics = new WsMetrics(this.meter, state.sources, {
      messageSizeHistogram: state.config.messageSizeHistogram,
      clientReports: state.config.clientReports.enabled,
    });
  }

  override setConfig(config: WsInstrumentationConfig = {}): void {
    super.setConfig(config);
    const state = this._wsState;
    if (state === undefined) return;
    const previous = state.config;
    state.config = resolveConfig(this._config);
    if (state.config.maxRoutes !== previous.maxRoutes) {
      state.routes = new RouteCap(state.config.maxRoutes);
    }
    if (
      state.config.messageSizeHistogram !== previous.messageSizeHistogram ||
      state.config.clientReports.enabled !== previous.clientReports.enabled
    ) {
      this._updateMetricInstruments();
    }
    if (state.patched) state.heartbeat.start();
  }

  override enable(): void {
    const wasEnabled = this.isEnabled();
    super.enable();
    if (!wasEnabled) this.patchLoadedCopies(true);
  }

  override disable(): void {
    super.disable();
    this.unpatchAll();
  }

  /** Patches copies of ws that are already loaded; says so when it is a late start. */
  private patchLoadedCopies(late = false): void {
    if (!this.isEnabled()) return;
    const { webSockets, servers } = findLoadedWs();
    const unpatched = [...webSockets, ...servers].filter(
      (c) => !Object.hasOwn(c.prototype, kPatched),
    );
    if (late && unpatched.length > 0) {
      this._diag.warn(
        'ws was loaded before WsInstrumentation was enabled: connections opened from now on are measured; ' +
          'connections already open are missing from active_connections and connection.duration ' +
          '(their messages and bytes are counted). Enable the instrumentation before loading ws.',
      );
    }
    for (const cls of webSockets) this.patchWebSocketClass(cls);
    for (const cls of servers) this.patchServerClass(cls);
  }

  private patchModuleExports(exports: WsModuleExports | undefined): void {
    if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return;
    // CommonJS: module.exports is the WebSocket class with WebSocketServer (8)
    // or Server (7) on it. ESM (import-in-the-middle): a namespace with `default`.
    const root = typeof exports === 'function' ? exports : (exports.default ?? exports);
    this.patchWebSocketClass(exports.WebSocket ?? (typeof root === 'function' ? root : undefined));
    this.patchServerClass(exports.WebSocketServer ?? root.WebSocketServer ?? root.Server);
  }

  private patchWebSocketClass(cls: { prototype: object } | undefined): void {
    const prototype = cls?.prototype;
    if (!this.isEnabled() || typeof prototype !== 'object' || prototype === null) return;
    const state = this.state();
    if (!patchWebSocket(prototype, state, state.patcher, state.pendingClients)) {
      this.warnPatchedElsewhere();
      return;
    }
    active.current = state;
    if (!state.patched) {
      state.patched = true;
      // Closes are seen again: drop the records of sockets that closed meanwhile.
      sharedSweep.stop();
      sharedRegistry.pruneClosed();
      state.heartbeat.start();
    }
    notifyWsPatched();
  }

  private patchServerClass(cls: { prototype: object } | undefined): void {
    const prototype = cls?.prototype;
    if (!this.isEnabled() || typeof prototype !== 'object' || prototype === null) return;
    const state = this.state();
    if (!patchWebSocketServer(prototype, state, state.patcher)) this.warnPatchedElsewhere();
  }

  private warnPatchedElsewhere(): void {
    const state = this.state();
    if (state.warnedPatchedElsewhere) return;
    state.warnedPatchedElsewhere = true;
    this._diag.warn(
      'ws is already patched by another WsInstrumentation instance; this one reports live connections, ' +
        'messages and bytes, but handshakes, durations and errors go to the first one. Create one instance per process.',
    );
  }

  private unpatchAll(): void {
    const state = this._wsState;
    if (state === undefined) return;
    releasePendingClients(state.pendingClients);
    state.patcher.restoreAll();
    state.heartbeat.stop();
    // The registry is shared with other instances and holds live connections:
    // it is kept, so enable() finds them again. Only the instance whose hooks
    // saw closes lets the sweep take over until hooks are back.
    if (state.patched) sharedSweep.start();
    state.patched = false;
    if (active.current === state) active.current = undefined;
  }
}
