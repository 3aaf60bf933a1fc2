import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The package version, read once: the same path from src/ and from the compiled dist/. */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Baton's Prometheus metrics, served at GET /metrics. Counters move where the work happens; gauges that
 * describe stored state (incidents by state, outbox depth) are read from the database when scraped.
 */
export class BatonMetrics {
  readonly registry = new Registry();

  readonly alertsReceived = new Counter({
    name: 'baton_alerts_received_total',
    help: 'Alert groups received, by source and outcome',
    labelNames: ['source', 'outcome'],
    registers: [this.registry],
  });
  readonly notificationsSent = new Counter({
    name: 'baton_notifications_sent_total',
    help: 'Notifications delivered, by kind (slack.page, twilio.voice, ...)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly notificationErrors = new Counter({
    name: 'baton_notification_errors_total',
    help: 'Failed notification attempts, by provider and whether they will be retried',
    labelNames: ['provider', 'retryable'],
    registers: [this.registry],
  });
  readonly escalations = new Counter({
    name: 'baton_escalations_total',
    help: 'Incidents moved to a next escalation level by timeout',
    registers: [this.registry],
  });
  readonly timeToAcknowledge = new Histogram({
    name: 'baton_time_to_acknowledge_seconds',
    help: 'Time from an incident opening to its acknowledgement',
    buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
    registers: [this.registry],
  });

  constructor(read: {
    incidentsByState: () => Promise<Record<string, number>>;
    outboxDepth: () => Promise<{ pending: number; failed: number }>;
  }) {
    // Process and Node.js metrics (CPU, memory, event loop lag, handles), as every Prometheus exporter has.
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'baton_build_info',
      help: 'Always 1; the labels say which Baton and which Node.js are running',
      labelNames: ['version', 'node'],
      registers: [this.registry],
    }).set({ version: VERSION, node: process.version }, 1);
    new Gauge({
      name: 'baton_incidents',
      help: 'Incidents by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await read.incidentsByState();
        for (const state of ['triggered', 'acknowledged', 'resolved']) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'baton_outbox_depth',
      help: 'Notifications waiting in the outbox, and ones that failed for good',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const depth = await read.outboxDepth();
        this.set({ status: 'pending' }, depth.pending);
        this.set({ status: 'failed' }, depth.failed);
      },
    });
  }
}
