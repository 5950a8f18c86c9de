import { asValue, createContainer, InjectionMode, type AwilixContainer } from 'awilix';
import { PluginDuplicateError, ServiceMissingError } from '../errors.js';
import type { ServiceRef } from './refs.js';

/**
 * The one DI container (awilix, strict mode) behind typed refs. Kernel services and
 * plugin-provided services are singletons registered here; `createScope` gives a child scope
 * per HTTP request or MCP session for caller-specific values (the principal, a request id).
 * Nothing outside this class names a registration by bare string.
 */
export class ServiceContainer {
  private readonly container: AwilixContainer;
  private readonly owners = new Map<string, string>();

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
    const previous = this.ownerOf(ref);
    if (previous !== undefined) {
      throw new PluginDuplicateError(`service '${ref.id}' is provided by both '${previous}' and '${owner}'`);
    }
    this.owners.set(ref.id, owner);
    this.container.register(ref.id, asValue(value));
  }

  /** Who provides `ref` (`core` or a plugin id), if anyone. */
  ownerOf(ref: ServiceRef<unknown>): string | undefined {
    return this.owners.get(ref.id) ?? this.parent?.ownerOf(ref);
  }

  /** True when something provides `ref`. */
  has(ref: ServiceRef<unknown>): boolean {
    return this.container.hasRegistration(ref.id);
  }

  /** Resolves `ref`, failing with a message that names the missing service. */
  resolve<T>(ref: ServiceRef<T>): T {
    if (!this.container.hasRegistration(ref.id)) {
      throw new ServiceMissingError(`no service provides '${ref.id}'`);
    }
    return this.container.resolve<T>(ref.id);
  }

  /** A child scope (per request or session) that sees every singleton and can add its own values. */
  createScope(): ServiceContainer {
    return new ServiceContainer(this.container.createScope(), this);
  }

  /** Runs awilix disposers of the container (scopes dispose their own values). */
  async dispose(): Promise<void> {
    await this.container.dispose();
  }
}
