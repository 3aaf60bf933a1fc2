import { describe, expect, it } from 'vitest';
import { incidentStats, percentile, sparkline } from '../../src/domain/incident-stats.js';

const H = 3_600_000;
const S = 1000;

describe('incident statistics', () => {
  it('match figures computed by hand', () => {
    const stats = incidentStats({
      from: 0,
      to: 2 * 24 * H,
      incidents: [
        { id: 1, openedAt: 0, acknowledgedAt: 60 * S, resolvedAt: 600 * S, escalated: false, alertName: 'A', alertCount: 3 },
        { id: 2, openedAt: H, acknowledgedAt: H + 300 * S, resolvedAt: H + 1200 * S, escalated: true, alertName: 'B', alertCount: 1 },
        { id: 3, openedAt: 2 * H, acknowledgedAt: null, resolvedAt: 2 * H + 3600 * S, escalated: true, alertName: 'A', alertCount: 2 },
        { id: 4, openedAt: 30 * H, acknowledgedAt: 30 * H + 120 * S, resolvedAt: null, escalated: false, alertName: 'C', alertCount: 1 },
        { id: 5, openedAt: 3 * 24 * H, acknowledgedAt: null, resolvedAt: null, escalated: false, alertName: 'Z', alertCount: 9 }, // outside
      ],
      pages: [
        { userId: 'U1', at: 23 * H }, // 23:00 UTC: sleep hours in UTC
        { userId: 'U1', at: 12 * H },
        { userId: 'U2', at: 20 * H }, // 01:30 in Kolkata
        { userId: 'U2', at: 5 * 24 * H }, // outside
      ],
      zoneOf: (u) => (u === 'U2' ? 'Asia/Kolkata' : 'UTC'),
    });
    expect(stats.incidents).toBe(4);
    // Acknowledged in 60, 300 and 120 s: the median (nearest rank) is 120 s, the 90th percentile 300 s.
    expect(stats.timeToAcknowledgeMs).toEqual({ median: 120 * S, p90: 300 * S });
    expect(stats.timeToResolveMs).toEqual({ median: 1200 * S, p90: 3600 * S });
    expect(stats.escalationRate).toBe(0.5);
    expect(stats.noisiest).toEqual([
      { alertName: 'A', alerts: 5, incidents: 2 },
      { alertName: 'B', alerts: 1, incidents: 1 },
      { alertName: 'C', alerts: 1, incidents: 1 },
    ]);
    expect(stats.pages).toEqual([
      { userId: 'U1', pages: 2, sleepPages: 1 },
      { userId: 'U2', pages: 1, sleepPages: 1 },
    ]);
    expect(stats.perDay).toEqual([3, 1]);
  });

  it('percentiles and the sparkline', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(sparkline([0, 4, 8])).toBe('▁▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
  });
});
