/**
 * `--help` in the layout of Python's argparse, as Nodepool 0.4.0 printed it (seed 003): a
 * wrapped `usage:` line, the description, `positional arguments:`, `optional arguments:` and
 * for the CLI a `commands:` group, with help texts in a column at most 24 characters in and
 * the width argparse uses with an 80-column `COLUMNS` (78).
 */
import type { Argument, Command, Option } from 'commander';

const WIDTH = 78;
const MAX_HELP_POSITION = 24;

/** One line of a help section: `-c CONFIG` and its help, or a sub-command. */
interface HelpAction {
  readonly invocation: string;
  readonly help?: string;
  readonly subactions?: readonly HelpAction[];
}

interface HelpSection {
  readonly title: string;
  readonly description?: string;
  readonly actions: readonly HelpAction[];
}

/** What a help text is made of. */
interface HelpLayout {
  readonly prog: string;
  readonly usageOptionals: readonly string[];
  readonly usagePositionals: readonly string[];
  readonly description?: string;
  readonly sections: readonly HelpSection[];
}

/** argparse's metavar of an option: its destination in capitals (`BUILD_WORKERS`). */
function metavar(option: Option): string {
  return option
    .attributeName()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

function optionStrings(option: Option): string[] {
  return [option.short, option.long].filter((s): s is string => s !== undefined);
}

function optionInvocation(option: Option): string {
  const strings = optionStrings(option);
  return takesValue(option)
    ? strings.map((s) => `${s} ${metavar(option)}`).join(', ')
    : strings.join(', ');
}

function optionUsage(option: Option): string {
  const first = optionStrings(option)[0] ?? '';
  const part = takesValue(option) ? `${first} ${metavar(option)}` : first;
  return option.mandatory ? part : `[${part}]`;
}

function argumentUsage(arg: Argument): string {
  return arg.required ? arg.name() : `[${arg.name()}]`;
}

/** Options in help order: `-h` first, then as declared, `--version` after upstream's own. */
function helpOptions(cmd: Command, lastFirst: readonly string[]): Option[] {
  const options = cmd.options.filter((o) => !o.hidden);
  const late = options.filter((o) => o.long !== undefined && lastFirst.includes(o.long));
  return [...options.filter((o) => !late.includes(o)), ...late];
}

const HELP_ACTION: HelpAction = {
  invocation: '-h, --help',
  help: 'show this help message and exit',
};

/**
 * The help of `cmd` as argparse lays it out. `trailing` lists long options shown after the
 * others (the port's extras after upstream's). Sub-commands, when `cmd` has any, make a
 * `commands:` group as in the `nodepool` CLI.
 */
export function argparseHelp(
  cmd: Command,
  options: { prog?: string; trailing?: readonly string[] } = {},
): string {
  const opts = helpOptions(cmd, options.trailing ?? []);
  const args = cmd.registeredArguments;
  const subs = cmd.commands;
  const choices = subs.length > 0 ? `{${subs.map((c) => c.name()).join(',')}}` : undefined;
  const sections: HelpSection[] = [];
  if (args.length > 0) {
    sections.push({
      title: 'positional arguments',
      actions: args.map((a) => ({ invocation: a.name(), help: a.description })),
    });
  }
  sections.push({
    title: 'optional arguments',
    actions: [
      HELP_ACTION,
      ...opts.map((o) => ({ invocation: optionInvocation(o), help: o.description })),
    ],
  });
  if (choices !== undefined) {
    sections.push({
      title: 'commands',
      description: 'valid commands',
      actions: [
        {
          invocation: choices,
          help: 'additional help',
          subactions: subs.map((c) => ({ invocation: c.name(), help: c.description() })),
        },
      ],
    });
  }
  // Compat: argparse sub-parsers made with `help=` only have no description.
  const description = cmd.parent === null ? cmd.description() : '';
  const prog = cmd.parent === null ? cmd.name() : `${cmd.parent.name()} ${cmd.name()}`;
  return formatHelp({
    prog: options.prog ?? prog,
    usageOptionals: ['[-h]', ...opts.map(optionUsage)],
    usagePositionals: [
      ...args.map(argumentUsage),
      ...(choices !== undefined ? [choices, '...'] : []),
    ],
    ...(description !== '' ? { description } : {}),
    sections,
  });
}

/** Greedy word wrap, whitespace collapsed (Python's textwrap as argparse uses it). */
function wrap(text: string, width: number): string[] {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line === '') line = w;
    else if (line.length + 1 + w.length <= width) line += ' ' + w;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function usage(layout: HelpLayout): string {
  const prefix = 'usage: ';
  const { prog } = layout;
  const all = [prog, ...layout.usageOptionals, ...layout.usagePositionals].join(' ');
  if (prefix.length + all.length <= WIDTH) return prefix + all;
  const getLines = (parts: readonly string[], indent: string, hasPrefix: boolean): string[] => {
    const lines: string[] = [];
    let line: string[] = [];
    let len = hasPrefix ? prefix.length - 1 : indent.length - 1;
    for (const part of parts) {
      if (len + 1 + part.length > WIDTH && line.length > 0) {
        lines.push(indent + line.join(' '));
        line = [];
        len = indent.length - 1;
      }
      line.push(part);
      len += part.length + 1;
    }
    if (line.length > 0) lines.push(indent + line.join(' '));
    if (hasPrefix && lines[0] !== undefined) lines[0] = lines[0].slice(indent.length);
    return lines;
  };
  const indent = ' '.repeat(prefix.length + prog.length + 1);
  const lines = [
    ...getLines([prog, ...layout.usageOptionals], indent, true),
    ...getLines(layout.usagePositionals, indent, false),
  ];
  return prefix + lines.join('\n');
}

function formatAction(
  action: HelpAction,
  indent: number,
  helpPosition: number,
  out: string[],
): void {
  const helpWidth = Math.max(WIDTH - helpPosition, 11);
  const actionWidth = helpPosition - indent - 2;
  const pad = ' '.repeat(indent);
  const help = action.help !== undefined && action.help !== '' ? wrap(action.help, helpWidth) : [];
  if (help.length === 0) {
    out.push(pad + action.invocation);
  } else if (action.invocation.length <= actionWidth) {
    out.push(pad + action.invocation.padEnd(actionWidth) + '  ' + help[0]);
    for (const l of help.slice(1)) out.push(' '.repeat(helpPosition) + l);
  } else {
    out.push(pad + action.invocation);
    for (const l of help) out.push(' '.repeat(helpPosition) + l);
  }
  for (const sub of action.subactions ?? []) formatAction(sub, indent + 2, helpPosition, out);
}

function formatHelp(layout: HelpLayout): string {
  const invocations = layout.sections.flatMap((s) =>
    s.actions.map(
      (a) =>
        Math.max(a.invocation.length, ...(a.subactions ?? []).map((x) => x.invocation.length)) + 2,
    ),
  );
  const helpPosition = Math.min(Math.max(...invocations) + 2, MAX_HELP_POSITION);
  const blocks = [usage(layout)];
  if (layout.description !== undefined) blocks.push(wrap(layout.description, WIDTH).join('\n'));
  for (const section of layout.sections) {
    const lines = [`${section.title}:`];
    if (section.description !== undefined) lines.push('  ' + section.description, '');
    for (const a of section.actions) formatAction(a, 2, helpPosition, lines);
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}
