import type { KnownBlock } from '@slack/types';
import type { TooFewPeople } from '../../domain/fairness.js';
import type { RotationFairness } from '../../domain/read-models.js';
import { DAY } from '../../domain/time-units.js';
import { escapeMrkdwn, plural } from './format.js';
import type { RenderedMessage } from './message.js';

const h = (hours: number) => (hours >= 100 ? hours.toFixed(0) : hours.toFixed(1));

const WORDS = ['no', 'one', 'two', 'three', 'four'];

/** "3 people: each is on call one week in three; a fourth keeps it to one in four": the fact, then the fix. */
export function tooFewPeopleWarning(t: TooFewPeople): string {
  const shift = t.nominalShiftMs === 7 * DAY ? 'week' : t.nominalShiftMs === DAY ? 'day' : 'shift';
  const missing = 4 - t.people;
  const fix = missing === 1 ? 'a fourth keeps it to one in four' : `${WORDS[missing]} more keep it to one in four`;
  if (t.people === 1) return `1 person: on call every ${shift}; ${fix}`;
  return `${t.people} people: each is on call one ${shift} in ${WORDS[t.people]}; ${fix}`;
}

/** `/oncall fairness`: hours, night hours and weekend hours per person, past and upcoming, with warnings. */
export function fairnessMessage(rows: RotationFairness[], weeks: number): RenderedMessage {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `On-call load, ${plural(weeks, 'week')} back and ahead` } },
  ];
  const plain: string[] = [];
  for (const row of rows.slice(0, 20)) {
    const lines = row.people.map(
      (p) =>
        `<@${p.userId}>: ${h(p.past.total)} h past / ${h(p.upcoming.total)} h ahead · nights ${h(p.past.night + p.upcoming.night)} h · weekends ${h(p.past.weekend + p.upcoming.weekend)} h · ${Math.round(p.shareOfTotal * 100)}%`,
    );
    const rotationWide = row.tooFewPeople ? [`:warning: ${tooFewPeopleWarning(row.tooFewPeople)}`] : [];
    const warnings = [...rotationWide, ...row.warnings.slice(0, 10).map((w) => `:warning: ${w.message}`)];
    const body = [`*${escapeMrkdwn(row.rotationName)}*`, ...(lines.length ? lines : ['nobody on call in this period']), ...warnings].join(
      '\n',
    );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 2990) } });
    plain.push(body.replace(/\*/g, ''));
  }
  if (rows.length === 0) plain.push('No such rotation.');
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: "Nights are 22:00–08:00 and weekends Saturday–Sunday, in each person's own time zone. Primary role only." },
    ],
  });
  return { text: plain.join('\n').slice(0, 3000) || 'No rotations.', blocks };
}
