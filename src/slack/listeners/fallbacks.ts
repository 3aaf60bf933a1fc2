import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';

/**
 * Anything Slack sends that no route handles is still acknowledged at once: otherwise Slack waits 3
 * seconds and shows the person an error (a button from an old message, a command Baton does not own).
 */
export function ackOnly(deps: SlackDeps, what: string) {
  return async ({ ack, body }: { ack: () => Promise<void>; body: unknown } & AllMiddlewareArgs) => {
    await ack();
    deps.logger.info({ what, type: (body as { type?: string }).type }, 'acknowledged a Slack request no route handles');
  };
}

export function unknownCommandListener(deps: SlackDeps) {
  return async ({ ack, command }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack({ response_type: 'ephemeral', text: `Baton does not handle ${command.command}. Try \`/oncall help\`.` });
    deps.logger.info({ command: command.command }, 'unknown slash command');
  };
}
