import { McpServerNotFoundError } from '../errors.js';
import type { InvocationTarget, TargetResolver } from '../extensions/invocation.js';
import type { McpServer } from '../lifecycle/McpServer.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import { ServerTargetResolver, type ServerTarget } from './ServerTargets.js';

/**
 * What a name that a caller invokes through means: first-wins over the `core.targetResolvers`
 * contributions in load order, then the kernel's resolver over the registered servers. So a
 * plugin's name (a group) shadows a server of the same id.
 *
 * The contributions are read once, on the first question (`contributed` is a getter because they
 * may be resolved after the invoker is built; the first call comes after every plugin's init).
 */
export class InvocationTargets {
  private readonly servers: ServerTargetResolver;
  private resolvers: readonly TargetResolver[] | undefined;

  constructor(
    registry: McpServerRegistry,
    private readonly contributed: () => readonly TargetResolver[] = () => [],
  ) {
    this.servers = new ServerTargetResolver(registry);
  }

  /** The target `name` means, or undefined. */
  find(name: string): InvocationTarget | undefined {
    const resolvers = (this.resolvers ??= this.contributed());
    // An index loop: this runs on every call, and usually over no resolver at all.
    for (let index = 0; index < resolvers.length; index++) {
      const target = resolvers[index]!.resolve(name);
      if (target !== undefined) return target;
    }
    return this.servers.resolve(name);
  }

  /** The target `name` means; 404 `McpServerNotFoundError` when nothing answers to it. */
  resolve(name: string): InvocationTarget {
    const target = this.find(name);
    if (target === undefined) throw new McpServerNotFoundError(name);
    return target;
  }

  /**
   * The targets contributed resolvers list (groups, …), in resolver load order, first-wins by id.
   * Registered servers are not included: they are `serverTarget`'s.
   */
  listed(): InvocationTarget[] {
    const resolvers = (this.resolvers ??= this.contributed());
    const seen = new Set<string>();
    const out: InvocationTarget[] = [];
    for (const resolver of resolvers) {
      for (const target of resolver.list?.() ?? []) {
        if (seen.has(target.id)) continue;
        seen.add(target.id);
        out.push(target);
      }
    }
    return out;
  }

  /** The kernel's target for one registered server (never shadowed: for listings by server). */
  serverTarget(server: McpServer): ServerTarget {
    return this.servers.targetOf(server);
  }
}
