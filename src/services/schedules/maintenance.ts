import { activeRecurringWindow, describeRecurringWindow } from '../../domain/recurring-maintenance.js';
import { and, eq, gt, lte } from 'drizzle-orm';
import { lockKey, type DB, type Tx } from '../../db/client.js';
import { incidents, maintenanceWindows, services, teams } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { InvalidInput } from '../../domain/errors.js';
import { requireKnown, type Actor } from '../../domain/permissions.js';
import { DAY, HOUR, MINUTE } from '../../domain/time-units.js';
import { writeAudit } from '../admin/audit.js';
import { enqueueNotice } from '../outbox.js';

const MAX_MS = 7 * DAY;

/** "30m", "2h", "1d" (at most a week) to milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,4})\s*(m|min|h|d)$/i.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * { m: MINUTE, min: MINUTE, h: HOUR, d: DAY }[m[2]!.toLowerCase() as 'm']!;
  return ms > 0 && ms <= MAX_MS ? ms : null;
}

/** Maintenance windows: paging for a service is suppressed; alerts are still recorded and shown as suppressed. */
export class MaintenanceService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void = () => {},
  ) {}

  private async service(q: Tx, idOrName: string) {
    const all = await q.select().from(services);
    return all.find((s) => s.id === idOrName.toLowerCase()) ?? all.find((s) => s.name.toLowerCase() === idOrName.toLowerCase());
  }

  services(): Promise<string[]> {
    return this.db.query(async (q) => (await q.select({ id: services.id }).from(services)).map((s) => s.id));
  }

  async start(actor: Actor | null, serviceRef: string, duration: string): Promise<{ serviceName: string; until: number }> {
    const who = requireKnown(actor);
    const service = await this.db.query(async (q) => {
      const service = await this.service(q, serviceRef);
      if (!service)
        throw new InvalidInput({
          service: `No service \`${serviceRef}\`. Services: ${(await this.services()).map((s) => `\`${s}\``).join(', ')}.`,
        });
      return service;
    });
    const ms = parseDuration(duration);
    if (ms === null) throw new InvalidInput({ duration: 'Give a duration such as 30m, 2h or 1d (at most 7d).' });
    const now = this.clock.nowMs();
    const until = now + ms;
    await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(maintenanceWindows)
        .values({ serviceId: service.id, startAt: now, endAt: until, createdBy: who.id, createdAt: now })
        .returning();
      await writeAudit(tx, { at: now, actor: who.id, action: 'maintenance.start', target: `service:${service.id}`, after: row });
      const channel = (await tx.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, service.teamId)).limit(1))[0]
        ?.channel;
      if (channel) {
        const notice = { type: 'maintenance_started', userId: who.id, serviceName: service.name, until } as const;
        await enqueueNotice(tx, { kind: 'slack.message', channel, notice }, `maintenance:${row!.id}:start`, now);
      }
    });
    this.wakeOutbox();
    return { serviceName: service.name, until };
  }

  /** Every service's maintenance: a window running now (one-off or recurring) and the recurring schedule. */
  overview(): Promise<{ serviceId: string; serviceName: string; runningUntil: number | null; recurring: string[] }[]> {
    const now = this.clock.nowMs();
    return this.db.query(async (q) => {
      const out: { serviceId: string; serviceName: string; runningUntil: number | null; recurring: string[] }[] = [];
      for (const s of await q.select().from(services)) {
        const oneOff = (
          await q
            .select({ endAt: maintenanceWindows.endAt })
            .from(maintenanceWindows)
            .where(and(eq(maintenanceWindows.serviceId, s.id), lte(maintenanceWindows.startAt, now), gt(maintenanceWindows.endAt, now)))
        ).map((w) => w.endAt);
        const recurring = s.recurringMaintenance ?? [];
        const running = activeRecurringWindow(recurring, now);
        const ends = [...oneOff, ...(running ? [running.end] : [])];
        out.push({
          serviceId: s.id,
          serviceName: s.name,
          runningUntil: ends.length > 0 ? Math.max(...ends) : null,
          recurring: recurring.map(describeRecurringWindow),
        });
      }
      return out;
    });
  }

  /** Ends every running window of the service now. */
  async end(actor: Actor | null, serviceRef: string): Promise<{ serviceName: string; ended: number; suppressed: number }> {
    const who = requireKnown(actor);
    const service = await this.db.query((q) => this.service(q, serviceRef));
    if (!service) throw new InvalidInput({ service: `No service \`${serviceRef}\`.` });
    const { running, suppressed } = await this.db.transaction(async (tx) => {
      // Two people (or two nodes) ending it at once: the second finds it ended, rather than ending it again.
      await lockKey(tx, `maintenance:${service.id}`);
      const now = this.clock.nowMs();
      const running = await tx
        .select()
        .from(maintenanceWindows)
        .where(and(eq(maintenanceWindows.serviceId, service.id), lte(maintenanceWindows.startAt, now), gt(maintenanceWindows.endAt, now)));
      for (const w of running) {
        await tx.update(maintenanceWindows).set({ endAt: now }).where(eq(maintenanceWindows.id, w.id));
        await writeAudit(tx, {
          at: now,
          actor: who.id,
          action: 'maintenance.end',
          target: `service:${service.id}`,
          before: w,
          after: { ...w, endAt: now },
        });
      }
      // Counted after the change, in its unit, rather than in a unit of its own.
      const suppressed = (
        await tx
          .select({ id: incidents.id })
          .from(incidents)
          .where(and(eq(incidents.serviceId, service.id), eq(incidents.suppressed, true)))
      ).length;
      return { running, suppressed };
    });
    return { serviceName: service.name, ended: running.length, suppressed };
  }
}
