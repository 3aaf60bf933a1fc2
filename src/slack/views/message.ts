import type { KnownBlock } from '@slack/types';

/** A Slack message as a view builds it: the fallback text (notifications, old clients) and its blocks. */
export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}

/** A message whose blocks are optional (a one-line notice posts its text alone). */
export interface NoticeMessage {
  text: string;
  blocks?: KnownBlock[];
}
