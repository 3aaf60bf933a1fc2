import type { Notice } from '../../../domain/notices.js';
import { slackDate } from '../format.js';
import type { NoticeMessage } from '../message.js';

/** How many gaps the digest lists; the rest are counted. */
const LISTED = 20;

/** The day's coverage-gap digest in the rotation's team channel. */
export function coverageGapsDigest(notice: Extract<Notice, { type: 'coverage_gaps' }>): NoticeMessage {
  const { gaps } = notice;
  const lines = gaps.slice(0, LISTED).map((g) => `• ${slackDate(g.start)} → ${slackDate(g.end)}`);
  const more = gaps.length > LISTED ? `\n…and ${gaps.length - LISTED} more.` : '';
  const stretches = gaps.length === 1 ? 'this stretch' : `these ${gaps.length} stretches`;
  return {
    text: `:warning: *${notice.rotationName}* has nobody on call in ${stretches} of the next ${notice.lookaheadDays} days:\n${lines.join('\n')}${more}\nUse \`/oncall override\` to take the pager, or \`/oncall schedule ${notice.rotationId}\` to see why.`,
  };
}
