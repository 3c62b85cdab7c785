/** The shapes of bench/results/*.json, shared by bench/run.ts (writes them) and bench/ab.ts (reads them). */

/** One load phase. */
export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  broken_chains: number;
  /** Server CPU time (user + system) per request during the phase, in microseconds. */
  server_cpu_us_per_request?: number;
  /** Bytes the server dirtied in files (database, WAL) per request during the phase. */
  disk_write_bytes_per_request?: number;
  /** The same for the server's main (JavaScript) thread alone. */
  main_thread_cpu_us_per_request?: number;
  /** The share of the main thread's CPU time spent in the kernel (system time), in per cent. */
  main_thread_system_pct?: number;
}

/** The server's resident memory, in MB. */
export interface MemoryFigures {
  /** 2 s after seeding. */
  idle_rss_mb: number;
  /** 15 s after seeding, before any load. */
  idle_settled_rss_mb: number;
  peak_rss_mb: number;
}
