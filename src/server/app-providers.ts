import type { Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';

/** What a lookup in the application's container found: a provider, or why there is none. */
export type ProviderLookup =
  | { readonly found: true; readonly value: unknown }
  | { readonly found: false; readonly error: unknown };

/**
 * The application's providers, from any module, looked up so that a missing one is an answer
 * rather than an end. An application made by `NestFactory` wraps its own methods so that a throw
 * in any of them exits the process (its `abortOnError`): `app.get` of a token no module provides
 * is such a throw. A `ModuleRef` has no such wrapper, and is provided in every module.
 */
export class AppProviders {
  private constructor(private readonly moduleRef: ModuleRef) {}

  /** The providers of a Nest application; `undefined` for a bare HTTP server or nothing. */
  static of(app: unknown): AppProviders | undefined {
    const context = app as { get?: (token: unknown) => unknown } | undefined;
    if (typeof context?.get !== 'function') return undefined;
    // Every module provides its ModuleRef: this lookup cannot miss.
    const moduleRef = context.get(ModuleRef);
    return moduleRef instanceof ModuleRef ? new AppProviders(moduleRef) : undefined;
  }

  get(token: unknown): ProviderLookup {
    try {
      return { found: true, value: this.moduleRef.get(token as Type, { strict: false }) };
    } catch (error) {
      return { found: false, error };
    }
  }

  /**
   * A new instance of a class no module provides, its constructor given the application's
   * providers (by type, by `@Inject(token)`, `undefined` for a missing `@Optional()` one).
   * Throws an error that names the argument it could not find.
   */
  instantiate<T>(type: Type<T>): T {
    const args = constructorTokens(type).map((token, index) => {
      const lookup = token === undefined ? undefined : this.get(token);
      if (lookup?.found === true) return lookup.value;
      if (optionalIndexes(type).includes(index)) return undefined;
      throw new Error(
        `its constructor's argument ${index} (${tokenName(token)}) is provided by no module` +
          (lookup === undefined
            ? ': its type is unknown (a cyclic import, or no @Injectable())'
            : ''),
      );
    });
    return new type(...args);
  }
}

// What TypeScript records of constructor parameters, and what Nest's @Inject(token) and
// @Optional() record.
const PARAM_TYPES = 'design:paramtypes';
const SELF_DECLARED = 'self:paramtypes';
const OPTIONAL = 'optional:paramtypes';

function metadataOf(key: string, type: object): unknown {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object) => unknown };
  return reflect.getMetadata?.(key, type);
}

function constructorTokens(type: Type): unknown[] {
  const tokens = [...((metadataOf(PARAM_TYPES, type) as unknown[] | undefined) ?? [])];
  const declared = (metadataOf(SELF_DECLARED, type) ?? []) as Array<{
    index: number;
    param: unknown;
  }>;
  for (const { index, param } of declared) tokens[index] = param;
  return tokens.map((token) => {
    const forward = (token as { forwardRef?: () => unknown } | undefined)?.forwardRef;
    return typeof forward === 'function' ? forward() : token;
  });
}

function optionalIndexes(type: Type): number[] {
  return (metadataOf(OPTIONAL, type) as number[] | undefined) ?? [];
}

/** How a token reads in an error: a class or function by name, anything else as text. */
function tokenName(token: unknown): string {
  if (typeof token === 'function') return token.name || 'an anonymous class';
  if (typeof token === 'symbol') return token.toString();
  return typeof token === 'string' ? `'${token}'` : String(token);
}
