import type { Generated } from 'kysely';

/** Key/value settings that belong to the instance (e.g. bootstrap done, schema facts). */
export interface InstanceSettingTable {
  key: string;
  value: string;
  updated_at: number;
}

/** Cluster-wide job leases so only one instance runs a scheduled job at a time. */
export interface JobLeaseTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface EventTable {
  id: Generated<number>;
  type: string;
  level: string;
  time: number;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  target_id: string | null;
  data: string;
}

export interface FoundationTables {
  instance_settings: InstanceSettingTable;
  job_leases: JobLeaseTable;
  events: EventTable;
}
