import { activeRecurringWindow, describeRecurringWindow } from '../../domain/recurring-maintenance.js';
import { and, eq, gt, lte } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
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

  private service(idOrName: string) {
    const all = this.db.select().from(services).all();
    return all.find((s) => s.id === idOrName.toLowerCase()) ?? all.find((s) => s.name.toLowerCase() === idOrName.toLowerCase());
  }

  services(): string[] {
    return this.db
      .select({ id: services.id })
      .from(services)
      .all()
      .map((s) => s.id);
  }

  start(actor: Actor | null, serviceRef: string, duration: string): { serviceName: string; until: number } {
    const who = requireKnown(actor);
    const service = this.service(serviceRef);
    if (!service)
      throw new InvalidInput({
        service: `No service \`${serviceRef}\`. Services: ${this.services()
          .map((s) => `\`${s}\``)
          .join(', ')}.`,
      });
    const ms = parseDuration(duration);
    if (ms === null) throw new InvalidInput({ duration: 'Give a duration such as 30m, 2h or 1d (at most 7d).' });
    const now = this.clock.nowMs();
    const until = now + ms;
    this.db.transaction(() => {
      const row = this.db
        .insert(maintenanceWindows)
        .values({ serviceId: service.id, startAt: now, endAt: until, createdBy: who.id, createdAt: now })
        .returning()
        .get();
      writeAudit(this.db, { at: now, actor: who.id, action: 'maintenance.start', target: `service:${service.id}`, after: row });
      const channel = this.db.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, service.teamId)).get()?.channel;
      if (channel) {
        const notice = { type: 'maintenance_started', userId: who.id, serviceName: service.name, until } as const;
        enqueueNotice(this.db, { kind: 'slack.message', channel, notice }, `maintenance:${row.id}:start`, now);
      }
    });
    this.wakeOutbox();
    return { serviceName: service.name, until };
  }

  /** Every service's maintenance: a window running now (one-off or recurring) and the recurring schedule. */
  overview(): { serviceId: string; serviceName: string; runningUntil: number | null; recurring: string[] }[] {
    const now = this.clock.nowMs();
    return this.db
      .select()
      .from(services)
      .all()
      .map((s) => {
        const oneOff = this.db
          .select({ endAt: maintenanceWindows.endAt })
          .from(maintenanceWindows)
          .where(and(eq(maintenanceWindows.serviceId, s.id), lte(maintenanceWindows.startAt, now), gt(maintenanceWindows.endAt, now)))
          .all()
          .map((w) => w.endAt);
        const recurring = s.recurringMaintenance ?? [];
        const running = activeRecurringWindow(recurring, now);
        const ends = [...oneOff, ...(running ? [running.end] : [])];
        return {
          serviceId: s.id,
          serviceName: s.name,
          runningUntil: ends.length > 0 ? Math.max(...ends) : null,
          recurring: recurring.map(describeRecurringWindow),
        };
      });
  }

  /** Ends every running window of the service now. */
  end(actor: Actor | null, serviceRef: string): { serviceName: string; ended: number; suppressed: number } {
    const who = requireKnown(actor);
    const service = this.service(serviceRef);
    if (!service) throw new InvalidInput({ service: `No service \`${serviceRef}\`.` });
    const now = this.clock.nowMs();
    const running = this.db
      .select()
      .from(maintenanceWindows)
      .where(and(eq(maintenanceWindows.serviceId, service.id), lte(maintenanceWindows.startAt, now), gt(maintenanceWindows.endAt, now)))
      .all();
    this.db.transaction(() => {
      for (const w of running) {
        this.db.update(maintenanceWindows).set({ endAt: now }).where(eq(maintenanceWindows.id, w.id)).run();
        writeAudit(this.db, {
          at: now,
          actor: who.id,
          action: 'maintenance.end',
          target: `service:${service.id}`,
          before: w,
          after: { ...w, endAt: now },
        });
      }
    });
    const suppressed = this.db
      .select({ id: incidents.id })
      .from(incidents)
      .where(and(eq(incidents.serviceId, service.id), eq(incidents.suppressed, true)))
      .all().length;
    return { serviceName: service.name, ended: running.length, suppressed };
  }
}
