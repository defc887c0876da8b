import { DATE_ORDERS, type DateOrder } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import { openChatExport } from '../importers';
import type { CliCommand } from './command';

const USAGE = 'usage: wardscribe parse FILE [--zone ZONE] [--date-order dmy|mdy|ymd] [--password P] --json';

interface ParseArgs {
  readonly file: string;
  readonly zone: string;
  readonly dateOrder?: DateOrder;
  readonly password?: string;
}

function readArgs(args: readonly string[]): ParseArgs | string {
  let file: string | undefined;
  let zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  let dateOrder: DateOrder | undefined;
  let password: string | undefined;
  let json = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const value = () => {
      const next = args[++index];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--json') json = true;
    else if (arg === '--zone') zone = value();
    else if (arg === '--password') password = value();
    else if (arg === '--date-order') {
      const order = value();
      if (!(DATE_ORDERS as readonly string[]).includes(order)) return `--date-order must be one of ${DATE_ORDERS.join(', ')}`;
      dateOrder = order as DateOrder;
    } else if (arg.startsWith('--')) return `unknown option ${arg}`;
    else if (file === undefined) file = arg;
    else return 'only one FILE may be given';
  }
  if (!file) return 'FILE is missing';
  if (!json) return '--json is required (the only output format)';
  return { file, zone, dateOrder, password };
}

/**
 * `wardscribe parse FILE --json`: prints one JSON object per message, then exits 0; on a file
 * it cannot read (including an unproven day/month order) prints why on stderr and exits 1.
 */
export const parseCommand: CliCommand = {
  summary: 'parse a chat export and print its messages as JSON lines',
  async run(args, io) {
    let parsed: ParseArgs | string;
    try {
      parsed = readArgs(args);
    } catch (error) {
      parsed = (error as Error).message;
    }
    if (typeof parsed === 'string') {
      io.stderr.write(`wardscribe parse: ${parsed}\n${USAGE}\n`);
      return 2;
    }
    // A reader that stops early (`| head`) closes the pipe: stop quietly, not with a crash.
    let closed = false;
    io.stdout.on('error', () => {
      closed = true;
    });
    try {
      const chat = await openChatExport(parsed.file, { zone: parsed.zone, dateOrder: parsed.dateOrder, password: parsed.password });
      try {
        for (;;) {
          const next = await chat.messages.next();
          if (next.done || closed) break;
          const message = next.value;
          const line = JSON.stringify({
            sender: message.sender,
            text: message.text,
            localTime: message.localTime,
            zone: message.zone,
            instant: message.instant,
            kind: message.kind,
            flags: message.flags,
            attachment: message.attachment,
            line: message.line,
          });
          if (!io.stdout.write(line + '\n') && !closed) {
            await new Promise((resolve) => {
              io.stdout.once('drain', resolve);
              io.stdout.once('error', resolve);
            });
          }
        }
      } finally {
        await chat.close();
      }
      return 0;
    } catch (error) {
      if (error instanceof WardscribeError) {
        io.stderr.write(`wardscribe parse: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
