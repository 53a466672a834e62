/**
 * Label keys and server-side filters of contract §0 for one stack identity. Pure.
 */
import type { DockerIdentity } from './docker-options.js';

export interface LabelKeys {
  function: string;
  createdBy: string;
  env: string;
  kind: string;
  owner: string;
}

/** The five label keys for brand `B`: `B_function`, `created_by`, `B_env`, `com.B.kind`, `com.B.owner`. */
export function labelKeys(brand: string): LabelKeys {
  return {
    function: `${brand}_function`,
    createdBy: 'created_by',
    env: `${brand}_env`,
    kind: `com.${brand}.kind`,
    owner: `com.${brand}.owner`,
  };
}

/** The three `key=value` label filters that make a container "managed" (ANDed by dockerd). */
export function managedLabelFilters(id: DockerIdentity): string[] {
  const k = labelKeys(id.brand);
  return [`${k.createdBy}=${id.brand}-agent`, `${k.env}=${id.env}`, `${k.kind}=function`];
}

/** The `filters` query value for `GET /containers/json` (JSON text). */
export function listFilters(id: DockerIdentity): string {
  return JSON.stringify({ label: managedLabelFilters(id) });
}

/** The `filters` query value for `GET /events`: our containers' die/oom/destroy. */
export function eventFilters(id: DockerIdentity): string {
  return JSON.stringify({ type: ['container'], event: ['die', 'oom', 'destroy'], label: managedLabelFilters(id) });
}
