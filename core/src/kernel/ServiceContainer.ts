import { asFunction, asValue, createContainer, InjectionMode, Lifetime, type AwilixContainer } from 'awilix';
import { PluginDuplicateError, ServiceMissingError } from '../errors.js';
import type { Factory } from './factory.js';
import type { AnyRef, ServiceRef } from './refs.js';

/** Resolves a factory's declared dependencies within one container (a scope or the root). */
export type DepsResolver = (deps: Record<string, AnyRef>, scope: ServiceContainer) => Record<string, unknown>;

/**
 * The one DI container (awilix, strict mode) behind typed refs. Kernel services and plugin
 * services are singletons here: values, or factories the kernel creates when their plugin
 * initialises (`fill`). Scoped factories are awilix SCOPED registrations: one instance per child
 * scope (an HTTP request or an MCP session, which register `principalRef`), disposed with it.
 * Nothing outside this class names a registration by bare string.
 */
export class ServiceContainer {
  private readonly container: AwilixContainer;
  private readonly owners = new Map<string, string>();
  /** Singleton factories registered but not created yet, by ref id, with their owner. */
  private readonly waiting = new Map<string, string>();

  private constructor(
    container: AwilixContainer,
    private readonly parent?: ServiceContainer,
  ) {
    this.container = container;
  }

  /** A new root container. */
  static create(): ServiceContainer {
    return new ServiceContainer(createContainer({ injectionMode: InjectionMode.PROXY, strict: true }));
  }

  /** Registers a singleton value for `ref`; a second registration of the same ref (here or in a parent) throws. */
  register<T>(ref: ServiceRef<T>, value: T, owner = 'core'): void {
    this.claim(ref, owner);
    this.container.register(ref.id, asValue(value));
  }

  /**
   * Registers a factory for `ref`. A singleton waits for `fill` (the kernel creates it before its
   * owner's init); a scoped one is created per scope on first resolve, from that scope's services.
   */
  registerFactory<T>(ref: ServiceRef<T>, factory: Factory<T>, owner: string, resolveDeps: DepsResolver): void {
    this.claim(ref, owner);
    if (factory.lifetime === 'singleton') {
      this.waiting.set(ref.id, owner);
      return;
    }
    let registration = asFunction(({ __scope }: { __scope: ServiceContainer }) => {
      const value = factory.create(resolveDeps(factory.deps, __scope) as never);
      if (value instanceof Promise) throw new ServiceMissingError(`scoped service '${ref.id}' must be created synchronously`);
      return value;
    }).setLifetime(Lifetime.SCOPED);
    if (factory.dispose) registration = registration.disposer((value) => factory.dispose?.(value));
    this.container.register(ref.id, registration);
  }

  /** Supplies the value of a singleton factory registered with `registerFactory`. */
  fill<T>(ref: ServiceRef<T>, value: T): void {
    this.waiting.delete(ref.id);
    this.container.register(ref.id, asValue(value));
  }

  /** Who provides `ref` (`core` or a plugin id), if anyone. */
  ownerOf(ref: ServiceRef<unknown>): string | undefined {
    return this.owners.get(ref.id) ?? this.parent?.ownerOf(ref);
  }

  /** True when something provides `ref` (a singleton factory counts once it is registered). */
  has(ref: ServiceRef<unknown>): boolean {
    return this.container.hasRegistration(ref.id) || this.isWaiting(ref);
  }

  /** Resolves `ref`, failing with a message that names the missing service. */
  resolve<T>(ref: ServiceRef<T>): T {
    if (!this.container.hasRegistration(ref.id)) {
      const owner = this.waitingOwner(ref);
      throw new ServiceMissingError(
        owner === undefined
          ? `no service provides '${ref.id}'`
          : `service '${ref.id}' is not created yet: plugin '${owner}' makes it when it initialises`,
      );
    }
    return this.container.resolve<T>(ref.id);
  }

  /** A child scope (per request or session) that sees every singleton and can add its own values. */
  createScope(): ServiceContainer {
    const scope = new ServiceContainer(this.container.createScope(), this);
    scope.container.register('__scope', asValue(scope));
    return scope;
  }

  /** Runs the awilix disposers of this container (a scope disposes its scoped services). */
  async dispose(): Promise<void> {
    await this.container.dispose();
  }

  private claim(ref: ServiceRef<unknown>, owner: string): void {
    const previous = this.ownerOf(ref);
    if (previous !== undefined) {
      throw new PluginDuplicateError(`service '${ref.id}' is provided by both '${previous}' and '${owner}'`);
    }
    this.owners.set(ref.id, owner);
  }

  private isWaiting(ref: ServiceRef<unknown>): boolean {
    return this.waitingOwner(ref) !== undefined;
  }

  private waitingOwner(ref: ServiceRef<unknown>): string | undefined {
    return this.waiting.get(ref.id) ?? this.parent?.waitingOwner(ref);
  }
}
