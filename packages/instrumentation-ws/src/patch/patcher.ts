/**
 * Replaces properties on prototypes and puts back exactly what was there:
 * an inherited method stays inherited, an own one comes back with its
 * original descriptor.
 */
export class PropertyPatcher {
  private readonly saved: Array<{
    target: object;
    key: PropertyKey;
    descriptor: PropertyDescriptor | undefined;
  }> = [];

  // biome-ignore lint/complexity/noBannedTypes: wraps arbitrary methods of ws
  wrapMethod(target: object, key: string, wrap: (original: Function) => Function): void {
    const original = (target as Record<string, unknown>)[key];
    if (typeof original !== 'function') return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    this.saved.push({ target, key, descriptor });
    Object.defineProperty(target, key, {
      value: wrap(original),
      writable: true,
      configurable: true,
      enumerable: descriptor?.enumerable ?? false,
    });
  }

  defineAccessor(
    target: object,
    key: string,
    get: (this: never) => unknown,
    set: (this: never, value: never) => void,
  ): void {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor !== undefined && !descriptor.configurable) return;
    this.saved.push({ target, key, descriptor });
    Object.defineProperty(target, key, { get, set, configurable: true, enumerable: false });
  }

  /**
   * Marks `target` as patched by this patcher: `new` when the caller should
   * patch it now, `ours` when this patcher already did, `theirs` when another did.
   */
  claim(target: object, marker: symbol): 'new' | 'ours' | 'theirs' {
    if (Object.hasOwn(target, marker)) {
      return (target as Record<symbol, unknown>)[marker] === this ? 'ours' : 'theirs';
    }
    this.saved.push({ target, key: marker, descriptor: undefined });
    Object.defineProperty(target, marker, { value: this, configurable: true });
    return 'new';
  }

  restoreAll(): void {
    for (let i = this.saved.length - 1; i >= 0; i--) {
      const { target, key, descriptor } = this.saved[i]!;
      if (descriptor === undefined) {
        delete (target as Record<PropertyKey, unknown>)[key];
      } else {
        Object.defineProperty(target, key, descriptor);
      }
    }
    this.saved.length = 0;
  }
}
