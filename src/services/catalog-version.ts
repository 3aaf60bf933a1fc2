import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../db/client.js';
import { settings } from '../db/schema.js';

/**
 * Nodes keep copies of what every page reads (rotations, integration keys). A change made on one node (config
 * applied, a rotation or key saved) writes a new catalog version in its transaction; every node reads the
 * version once per loop and forgets its copies when it moved, so another node's change is seen within a loop.
 */
const VERSION_KEY = 'catalog_version';

/** Inside the transaction of a change to rotations, keys or the config. */
export async function catalogChanged(tx: Tx): Promise<void> {
  const value = randomUUID();
  await tx.insert(settings).values({ key: VERSION_KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
}

export class CatalogWatch {
  private seen: string | undefined;

  constructor(
    private readonly db: DB,
    /** Forgets the node's copies. */
    private readonly forget: () => void,
  ) {}

  /** Once per loop: true when the version moved since the last look (and the copies were forgotten). */
  async poll(): Promise<boolean> {
    const [row] = await this.db.query((q) =>
      q.select({ value: settings.value }).from(settings).where(eq(settings.key, VERSION_KEY)).limit(1),
    );
    if (row !== undefined && row.value === this.seen) return false;
    this.seen = row?.value;
    this.forget();
    return true;
  }
}
