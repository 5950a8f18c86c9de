import { UpcastingError } from '../errors.js';
import type { Upcaster } from '../extensions/upcasters.js';
import type { DomainEvent, PublishedEvent } from './DomainEvent.js';
import type { EventToAppend, StoredEvent } from './store/EventStore.js';

/**
 * Current payload schema versions of the kernel's own event types; a type not listed is at v1
 * unless upcasters say otherwise. Raising a version here needs the whole upcaster chain to it.
 */
export const EVENT_VERSIONS: Readonly<Record<string, number>> = {
  // v2 adds `tools`: the list the server offered, so a restarted Hangar lists a cold server's tools.
  McpServerStarted: 2,
};

/** A stored event read back, with its place in its stream. */
export interface HistoricEvent extends PublishedEvent {
  readonly global_position: number;
  readonly stream_id: string;
  readonly stream_version: number;
}

/**
 * Turns domain events into stored payloads and back (seed 004). Every payload written carries
 * `_version`; one without it is v1. On read, payloads are upcast one version at a time to the
 * current version; a missing step is `UpcastingError: Missing upcaster ...`. Keys a version does
 * not know are carried along untouched, so a newer payload never breaks an older reader.
 */
export class EventSerializer {
  private readonly upcasters = new Map<string, Upcaster>();
  private readonly versions = new Map<string, number>();

  constructor(upcasters: readonly Upcaster[] = [], versions: Readonly<Record<string, number>> = EVENT_VERSIONS) {
    for (const [type, version] of Object.entries(versions)) this.versions.set(type, version);
    for (const upcaster of upcasters) {
      this.upcasters.set(`${upcaster.eventType}@${upcaster.fromVersion}`, upcaster);
      // A plugin that ships an upcaster to vN+1 declares that its event type is now at least vN+1.
      const reaches = upcaster.fromVersion + 1;
      if (reaches > this.currentVersion(upcaster.eventType)) this.versions.set(upcaster.eventType, reaches);
    }
  }

  /** The version payloads of `eventType` are written at. */
  currentVersion(eventType: string): number {
    return this.versions.get(eventType) ?? 1;
  }

  /** The stored form of `event`: payload with `_version`, the envelope as metadata. */
  serialize(event: DomainEvent): EventToAppend {
    return {
      event_type: event.event_type,
      data: { ...event.data, _version: this.currentVersion(event.event_type) },
      metadata: {
        event_id: event.event_id,
        timestamp: event.timestamp,
        ...(event.mcp_server_id === undefined ? {} : { mcp_server_id: event.mcp_server_id }),
        ...event.metadata,
      },
    };
  }

  /** The event as it was published, its payload upcast to the current version. */
  deserialize(stored: StoredEvent): HistoricEvent {
    const { _version, ...payload } = stored.data;
    const data = this.upcast(stored.event_type, payload, typeof _version === 'number' ? _version : 1);
    const { event_id, timestamp, mcp_server_id, principal_id, principal_type } = stored.metadata;
    return {
      event_id: typeof event_id === 'string' ? event_id : `position-${stored.global_position}`,
      event_type: stored.event_type,
      timestamp: typeof timestamp === 'string' ? timestamp : stored.created_at,
      ...(typeof mcp_server_id === 'string' ? { mcp_server_id } : {}),
      data,
      ...(typeof principal_id === 'string'
        ? { metadata: { principal_id, ...(typeof principal_type === 'string' ? { principal_type } : {}) } }
        : {}),
      global_position: stored.global_position,
      stream_id: stored.stream_id,
      stream_version: stored.stream_version,
    };
  }

  /**
   * Brings `data` from `fromVersion` to the current version of `eventType`, one step at a time.
   * A payload newer than this Hangar knows is returned as it is.
   */
  upcast(eventType: string, data: Record<string, unknown>, fromVersion: number): Record<string, unknown> {
    const target = this.currentVersion(eventType);
    let current = data;
    for (let version = fromVersion; version < target; version++) {
      const upcaster = this.upcasters.get(`${eventType}@${version}`);
      if (upcaster === undefined) {
        throw new UpcastingError(
          `Missing upcaster for ${eventType} v${version} -> v${version + 1} (current version is v${target})`,
        );
      }
      current = upcaster.upcast(current);
    }
    return current;
  }
}
