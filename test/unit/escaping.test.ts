import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../../src/services/incidents/incident-view.js';
import { escapeMrkdwn, escapeSlackMarkup, safeLink, slackMarkupToPlain } from '../../src/slack/views/format.js';
import { incidentCard } from '../../src/slack/views/incident-card.js';
import { helpRequestReason, statusUpdateText, timelineLine, wrapUpMessage } from '../../src/slack/views/incident-channel.js';
import { handoverMessage } from '../../src/slack/views/handover.js';
import { pageBundleMessage } from '../../src/slack/views/page-bundle.js';
import { checkBlocks } from '../../devtools/slack/block-kit-rules.js';
import { messagingResponse, voiceMenu, voiceSay } from '../../src/notify/twiml.js';

const EVIL = '<!channel> <@U123> <https://evil.example|click> & <!here>';
const ESCAPED = '&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; &lt;!here&gt;';
/** EVIL as Slack sends it when a person types it (slash commands with should_escape, message history). */
const TYPED = '<!channel> <@U123> <https://evil.example|click> &amp; <!here>';

describe('escapeMrkdwn', () => {
  it('escapes &, < and > and nothing else', () => {
    expect(escapeMrkdwn(EVIL)).toBe(ESCAPED);
    expect(escapeMrkdwn('*bold* _it_ `code` :emoji: "q" \'s\'')).toBe('*bold* _it_ `code` :emoji: "q" \'s\'');
  });

  it('escapes an entity as text: what the sender wrote is what is shown', () => {
    expect(escapeMrkdwn('a &lt; b')).toBe('a &amp;lt; b');
  });
});

describe('slackMarkupToPlain', () => {
  it('turns mentions, channels, broadcasts and links into words that notify and link nobody', () => {
    expect(slackMarkupToPlain(TYPED)).toBe('@channel @U123 click (https://evil.example) & @here');
    expect(slackMarkupToPlain('ask <@U0ADA00001|ada> in <#C0OPS0001|ops> or <!subteam^S0TEAM|@payments-oncall>, <!everyone>')).toBe(
      'ask @ada in #ops or @payments-oncall, @everyone',
    );
    expect(slackMarkupToPlain('see <https://example.com/a?b=1&amp;c=2> or <mailto:ops@example.com|ops@example.com>')).toBe(
      'see https://example.com/a?b=1&c=2 or ops@example.com',
    );
    expect(slackMarkupToPlain('at <!date^1794996000^{time}|10:00 UTC>')).toBe('at 10:00 UTC');
  });

  it("decodes Slack's three entities once", () => {
    expect(slackMarkupToPlain('a &lt; b &gt; c &amp; d')).toBe('a < b > c & d');
    // A person who typed "&lt;" literally: Slack sent "&amp;lt;".
    expect(slackMarkupToPlain('&amp;lt;!channel&amp;gt;')).toBe('&lt;!channel&gt;');
    // A literal "<!channel>" typed as text arrives escaped, and comes back as text.
    expect(slackMarkupToPlain('&lt;!channel&gt;')).toBe('<!channel>');
  });

  it('leaves text without markup alone, also a stray < that opens nothing', () => {
    expect(slackMarkupToPlain('Rolling back the 14:02 deploy')).toBe('Rolling back the 14:02 deploy');
    expect(slackMarkupToPlain('a < b')).toBe('a < b');
  });
});

describe('escapeSlackMarkup', () => {
  it('shows what a person typed as text: no mention, no link, no double escaping', () => {
    expect(escapeSlackMarkup(TYPED)).toBe('@channel @U123 click (https://evil.example) &amp; @here');
    expect(escapeSlackMarkup('a &lt; b &amp; c')).toBe('a &lt; b &amp; c');
    expect(escapeSlackMarkup('&lt;!channel&gt;')).toBe('&lt;!channel&gt;');
    // A truncated sequence is escaped, not left open.
    expect(escapeSlackMarkup('cut <@U12')).toBe('cut &lt;@U12');
  });
});

describe('safeLink', () => {
  it('keeps the URL inside <url|label> and escapes the label', () => {
    expect(safeLink('https://ok.example/a|b<c>', EVIL)).toBe(`<https://ok.example/a%7Cb%3Cc%3E|${ESCAPED}>`);
    expect(safeLink('javascript:alert(1)', 'x')).toBeNull();
  });
});

function view(overrides: Partial<IncidentView['incident']> = {}, serviceName = 'Checkout'): IncidentView {
  return {
    incident: {
      id: 6,
      serviceId: 'checkout',
      dedupKey: 'k',
      status: 'triggered',
      title: `Checkout down ${EVIL}`,
      severity: 'critical',
      urgency: 'high',
      source: 'alertmanager',
      labels: { alertname: EVIL, [EVIL]: 'x' },
      links: { runbook: null, source: null, externalUrl: null },
      policy: { id: 'p', name: 'P', repeat: 0, levels: [{ delayMinutes: 15, targets: [] }] },
      escalationLevel: 0,
      escalationLoop: 0,
      nextEscalationAt: null,
      deferredUntil: null,
      channelId: null,
      commanderId: null,
      commsLeadId: null,
      suppressed: false,
      openedAt: Date.parse('2026-11-18T10:00:00Z'),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      updatedAt: 0,
      ...overrides,
    } as IncidentView['incident'],
    serviceName,
    firingAlerts: 1,
    totalAlerts: 1,
    pagingNow: [],
    openedBy: null,
  };
}

/** Every mrkdwn text of a message (plain_text headers and buttons are shown as written by Slack). */
function mrkdwnOf(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'plain_text') return;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

const leaks = (texts: string[]) => texts.filter((t) => ['<!channel>', '<!here>', '<@U123', '<https://evil'].some((f) => t.includes(f)));

describe('the incident card', () => {
  it('escapes the title and the service name in the fallback text; the header shows them as written', () => {
    const card = incidentCard(view({}, `Pay ${EVIL}`));
    expect(card.text).toBe(`[CRITICAL] #6 Checkout down ${ESCAPED} (Pay ${ESCAPED}): Triggered, level 1 of 1`);
    expect(card.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: `:red_circle: #6 Checkout down ${EVIL}` } });
    expect(leaks(mrkdwnOf(card.blocks))).toEqual([]);
    expect(mrkdwnOf(card.blocks).join('\n')).toContain(`*Service*\nPay ${ESCAPED}`);
  });

  it("keeps Baton's own mentions and dates real", () => {
    const card = incidentCard(
      view({ status: 'acknowledged', acknowledgedBy: 'U0ADA00001', acknowledgedAt: Date.parse('2026-11-18T10:05:00Z') }),
    );
    expect(card.text).toContain('Acknowledged by <@U0ADA00001>');
    expect(mrkdwnOf(card.blocks).join('\n')).toMatch(/Acknowledged\* by <@U0ADA00001> <!date\^\d+\^/);
  });
});

describe('incident channel messages', () => {
  it('a status update: the title escaped, the typed text shown as text, the author a real mention', () => {
    expect(statusUpdateText({ id: 6, title: EVIL }, 'U0ADA00001', `Rolling back ${TYPED}`)).toBe(
      `:mega: *Status update* on #6 ${ESCAPED} from <@U0ADA00001>:\nRolling back @channel @U123 click (https://evil.example) &amp; @here`,
    );
  });

  it('a call for help: the message shown as text', () => {
    expect(helpRequestReason('U0ADA00001', `  need you ${TYPED} `)).toBe(
      '<@U0ADA00001> asks for help: need you @channel @U123 click (https://evil.example) &amp; @here',
    );
    expect(helpRequestReason('U0ADA00001', ' ')).toBe('<@U0ADA00001> asks for help.');
  });

  it('timeline lines: typed and pinned text as text, recorded people as mentions, anything else escaped', () => {
    const at = 0;
    expect(timelineLine({ at, kind: 'status_update', actor: 'U0ADA00001', detail: { text: TYPED } })).toBe(
      'Status update by <@U0ADA00001>: @channel @U123 click (https://evil.example) &amp; @here',
    );
    expect(timelineLine({ at, kind: 'pinned', actor: 'U0BOB00002', detail: { text: `Found it ${TYPED}` } })).toBe(
      '<@U0BOB00002> pinned: Found it @channel @U123 click (https://evil.example) &amp; @here',
    );
    expect(timelineLine({ at, kind: 'resolved', actor: EVIL, detail: {} })).toBe(`Resolved by ${ESCAPED}`);
    expect(timelineLine({ at, kind: 'role', actor: 'U0ADA00001', detail: { role: 'incident commander', user: EVIL } })).toBe(
      `<@U0ADA00001> set incident commander: ${ESCAPED}`,
    );
    expect(timelineLine({ at, kind: 'paged', actor: null, detail: { level: 1, users: ['U0ADA00001', '<!channel>'] } })).toBe(
      'Paged level 1: <@U0ADA00001>, &lt;!channel&gt;',
    );
    expect(timelineLine({ at, kind: 'something_new', actor: null, detail: {} })).toBeNull();
  });

  it('the wrap-up: title escaped in the fallback text, nothing unescaped in its sections', () => {
    const summary = {
      durationMs: 600_000,
      problemStartedAt: null,
      timeToAcknowledgeMs: null,
      responders: ['U0ADA00001'],
      timeline: [
        { at: 1, kind: 'opened', actor: null, detail: { alerts: 1, severity: 'critical' } },
        { at: 2, kind: 'status_update', actor: 'U0ADA00001', detail: { text: TYPED } },
        { at: 3, kind: 'not_shown', actor: null, detail: {} },
      ],
    };
    const wrap = wrapUpMessage({ id: 6, title: EVIL }, summary, 'U0ADA00001', 24);
    expect(wrap.text).toBe(`Resolved: #6 ${ESCAPED}. Duration 10 min.`);
    expect(leaks(mrkdwnOf(wrap.blocks))).toEqual([]);
    const timeline = mrkdwnOf(wrap.blocks).find((t) => t.startsWith('*Timeline*'))!;
    expect(timeline.split('\n')).toHaveLength(3);
    expect(timeline).toContain('Status update by <@U0ADA00001>: @channel @U123');
  });
});

describe('the handover digest', () => {
  it('escapes titles, alert names and the rotation name; notes typed in Slack are shown as text', () => {
    const digest = handoverMessage({
      rotationName: `Payments ${EVIL}`,
      shiftStart: 0,
      shiftEnd: 3_600_000,
      outgoing: 'U0ADA00001',
      incoming: 'U0BOB00002',
      stillOpen: [{ id: 1, title: EVIL, severity: 'critical', status: 'triggered', ageMs: 60_000, link: null }],
      duringShift: [{ id: 1, title: EVIL, status: 'triggered', timeToAckMs: null, timeToResolveMs: null }],
      medianTimeToAckMs: null,
      noisiest: [{ alertName: EVIL, alerts: 1, incidents: 1 }],
      notes: [{ authorId: 'U0ADA00001', createdAt: 0, text: `Watch ${TYPED}` }],
      coming: [],
    } as Parameters<typeof handoverMessage>[0]);
    expect(digest.text).toContain(`Handover for Payments ${ESCAPED}: <@U0ADA00001> → <@U0BOB00002>`);
    expect(leaks([digest.text, ...mrkdwnOf(digest.blocks)])).toEqual([]);
    expect(mrkdwnOf(digest.blocks).join('\n')).toContain('Watch @channel @U123 click (https://evil.example) &amp; @here');
  });
});

describe('TwiML', () => {
  const incident = { id: 6, severity: 'critical', title: `</Say><Dial>+15550000000</Dial><Say> "x" & 'y' \u0007` } as Parameters<
    typeof voiceMenu
  >[0][number];

  it('reads an alert title out as text: it cannot add verbs or break the document', () => {
    const twiml = voiceMenu([incident], 'https://baton.example/twilio/key?o=1&x="', null);
    expect(twiml).not.toContain('<Dial>');
    expect(twiml).not.toContain('</Say><Dial');
    expect(twiml).toContain('&lt;/Say');
    expect(twiml).toContain('action="https://baton.example/twilio/key?o=1&amp;x=&quot;"');
    expect(twiml).not.toContain('\u0007');
    // Only Baton's own elements are in the document.
    expect([...twiml.matchAll(/<([A-Za-z]+)/g)].map((m) => m[1])).toEqual(['Response', 'Gather', 'Say', 'Say', 'Hangup']);
  });

  it('escapes spoken and texted replies', () => {
    expect(voiceSay('a <Hangup/> & b')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>a &lt;Hangup/&gt; &amp; b</Say><Hangup/></Response>',
    );
    expect(messagingResponse('<Redirect>x</Redirect>')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>&lt;Redirect&gt;x&lt;/Redirect&gt;</Message></Response>',
    );
  });
});

describe('the page that lists several incidents', () => {
  it('escapes every title and service name, lists the first 25 and counts the rest, within Block Kit limits', () => {
    const summaries = Array.from({ length: 60 }, (_, i) => {
      const v = view(
        { id: i + 1, title: `Down ${i + 1} ${EVIL}`, ...(i === 1 ? { status: 'acknowledged', acknowledgedBy: 'U0ADA00001' } : {}) },
        `Pay ${EVIL}`,
      );
      return { incident: v.incident, serviceName: v.serviceName };
    });
    const message = pageBundleMessage(summaries, { bundleId: 42 });
    expect(leaks([message.text])).toEqual([]);
    expect(message.text).toContain(`#1 Down 1 ${ESCAPED}`);
    expect(leaks(mrkdwnOf(message.blocks))).toEqual([]);
    const listed = mrkdwnOf(message.blocks).join('\n');
    expect(listed).toContain(`*#1* [CRITICAL] Down 1 ${ESCAPED} · Pay ${ESCAPED} · :rotating_light: triggered`);
    expect(listed).toContain('*#2* [CRITICAL] Down 2');
    expect(listed).toContain('acknowledged by <@U0ADA00001>');
    expect(listed).toContain('*#25* ');
    expect(listed).not.toContain('*#26* ');
    expect(listed).toContain('…and 35 more incidents.');
    expect(checkBlocks(message.blocks, { maxBlocks: 50 })).toEqual([]);
    // One of the 60 is acknowledged already: the button says what it will take.
    expect(JSON.stringify(message.blocks.at(-1))).toContain('Acknowledge the 59 still triggered');
    expect(JSON.stringify(message.blocks.at(-1))).toContain('"value":"42"');
  });
});
