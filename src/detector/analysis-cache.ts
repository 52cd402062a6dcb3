// Analyses by drift fingerprint in the store: the same drift is analysed once, also across restarts and replicas.
import type { AnalysisCache } from "../analysis/cache.js";
import type { Analysis } from "../analysis/types.js";
import type { Database } from "../store/database.js";
import { fromJsonb, toJsonb } from "../store/jsonb.js";

export class StoreAnalysisCache implements AnalysisCache {
  constructor(private readonly db: Database) {}

  async get(fingerprint: string): Promise<Analysis | undefined> {
    const rows = await this.db.query<{ analysis: Analysis | string }>(
      "select analysis from drift_analysis_cache where fingerprint = $1",
      [fingerprint],
    );
    return rows[0] ? fromJsonb<Analysis>(rows[0].analysis) : undefined;
  }

  async set(fingerprint: string, analysis: Analysis): Promise<void> {
    await this.db.query(
      `insert into drift_analysis_cache (fingerprint, analysis) values ($1, $2)
       on conflict (fingerprint) do update set analysis = excluded.analysis, created_at = now()`,
      [fingerprint, toJsonb(analysis)],
    );
  }
}
