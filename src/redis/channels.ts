/** The Redis channels of one application (one prefix), as one instance uses them. */
export interface Channels {
  readonly broadcast: string;
  readonly control: string;
  /** Where the answers to this instance's requests come. */
  readonly replies: string;
  replyTo(instance: string): string;
}

export function channelsOf(prefix: string, instance: string): Channels {
  return {
    broadcast: `${prefix}:broadcast`,
    control: `${prefix}:control`,
    replies: `${prefix}:reply:${instance}`,
    replyTo: (other) => `${prefix}:reply:${other}`,
  };
}
