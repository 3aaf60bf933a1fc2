import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { FORM_LEVELS } from '../../services/admin/catalog-admin.js';
import type { SlackDeps } from '../deps.js';
import { list, readModal, text } from '../modal-values.js';
import { policySavedMessage, serviceSavedMessage } from '../views/catalog.js';
import type { RenderedMessage } from '../views/incident-card.js';
import { answerSubmission } from './submission.js';

const levelFields = Array.from({ length: FORM_LEVELS }, (_, i) => [
  `level${i + 1}_rotations`,
  `level${i + 1}_users`,
  `level${i + 1}_delay`,
]).flat();

type Saved = { id: string; created: boolean };

/**
 * Tells the admin what was saved, by DM: the modal has closed, and a slash command's channel may be one the
 * bot cannot post in. The save stands whatever happens here, so a failure is only logged.
 */
async function confirmPrivately(deps: SlackDeps, client: WebClient, userId: string, message: RenderedMessage): Promise<void> {
  try {
    await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message, userId }, 'could not confirm a catalog save by DM');
  }
}

async function policyConfirmation(deps: SlackDeps, saved: Saved): Promise<RenderedMessage | null> {
  const row = await deps.catalog.policy(saved.id);
  if (!row) return null;
  const rotationNames = new Map([...(await deps.oncall.rotations()).values()].map((r) => [r.id, r.name]));
  return policySavedMessage({ id: row.id, name: row.name, repeat: row.repeat, levels: row.levels, created: saved.created }, rotationNames);
}

async function serviceConfirmation(deps: SlackDeps, saved: Saved): Promise<RenderedMessage | null> {
  const summary = await deps.catalog.serviceSummary(saved.id);
  return summary ? serviceSavedMessage({ ...summary, created: saved.created }) : null;
}

/** "New escalation policy" / "Edit policy" (admins; policies from the config file are refused). */
export function policySubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    let saved = undefined as Saved | undefined;
    await answerSubmission(ack, deps, ['name', ...levelFields, 'repeat'], async () => {
      const levels = Array.from({ length: FORM_LEVELS }, (_, i) => {
        const delay = text(v[`level${i + 1}_delay`]);
        return {
          rotations: list(v[`level${i + 1}_rotations`]),
          users: list(v[`level${i + 1}_users`]),
          delayMinutes: delay === null ? null : Number(delay),
        };
      });
      const repeat = text(v.repeat);
      const result = await deps.catalog.savePolicy(
        body.user.id,
        { name: text(v.name), repeat: repeat === null ? null : Number(repeat), levels },
        view.private_metadata || undefined,
      );
      saved = { id: result.policyId, created: result.created };
    });
    const confirmation = saved && (await policyConfirmation(deps, saved));
    if (confirmation) await confirmPrivately(deps, client, body.user.id, confirmation);
  };
}

/** "New service" / "Edit service" (admins; services from the config file are refused). */
export function serviceSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    let saved = undefined as Saved | undefined;
    await answerSubmission(ack, deps, ['name', 'team', 'policy', 'incident_channels'], async () => {
      const result = await deps.catalog.saveService(
        body.user.id,
        { name: text(v.name), teamId: text(v.team), policyId: text(v.policy), incidentChannels: text(v.incident_channels) },
        view.private_metadata || undefined,
      );
      saved = { id: result.serviceId, created: result.created };
    });
    const confirmation = saved && (await serviceConfirmation(deps, saved));
    if (confirmation) await confirmPrivately(deps, client, body.user.id, confirmation);
  };
}
