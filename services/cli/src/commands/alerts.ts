import { createCodec, SEVERITY_SYMBOLS, toJsonForm, TOPICS, type Alert } from '@zmwatch/schemas';
import { intOption, listOption, secondsOption, str, type CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { tailTopic } from '../kafka-tail.js';

/** One line per alert: when, severity, VIN, score, where it goes, and the rules that fired. */
export function formatAlertLine(a: Alert): string {
  return [
    new Date(a.detectedAt).toISOString().replace('T', ' ').slice(0, 19),
    a.severity.padEnd(8),
    a.vin,
    `score ${a.score}`,
    `→ ${a.destinationCountry}`,
    `exporter ${a.exporterId}`,
    a.rules.map((r) => r.ruleId).join(','),
  ].join('  ');
}

export const alertCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['alerts', 'tail'],
    summary: 'follow decoded alerts, optionally only some severities',
    usage: '[--severity HIGH,CRITICAL] [--topic TOPIC] [--from-beginning] [--max N] [--idle-timeout SECONDS]',
    options: {
      severity: { type: 'string' },
      topic: { type: 'string' },
      'from-beginning': { type: 'boolean', default: false },
      max: { type: 'string' },
      'idle-timeout': { type: 'string' },
    },
    async run({ io, kafka, config, values, json, signal }) {
      const severities = listOption(values, 'severity', SEVERITY_SYMBOLS);
      const codec = await createCodec();
      const max = str(values, 'max') === undefined ? undefined : intOption(values, 'max', 1);
      const idleMs =
        str(values, 'idle-timeout') === undefined ? undefined : secondsOption(values, 'idle-timeout', 5);
      await tailTopic({
        kafka: kafka(),
        topic: str(values, 'topic') ?? config.alertsTopic,
        fromBeginning: values['from-beginning'] === true,
        ...(max !== undefined ? { max } : {}),
        ...(idleMs !== undefined ? { idleMs } : {}),
        signal,
        onMessage({ topic, partition, message }) {
          let alert: Alert;
          try {
            alert = codec.decodeSync(message.value, TOPICS.alerts).record;
          } catch (err) {
            io.err(`${topic}[${partition}]@${message.offset}: undecodable alert (${(err as Error).message})`);
            return false;
          }
          if (severities && !severities.includes(alert.severity)) return false;
          io.out(
            json
              ? JSON.stringify({
                  partition,
                  offset: message.offset,
                  ...(toJsonForm(TOPICS.alerts, alert) as object),
                })
              : formatAlertLine(alert),
          );
          return true;
        },
      });
      return EXIT.ok;
    },
  },
];
