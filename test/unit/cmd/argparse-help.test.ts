import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { argparseHelp } from '../../../src/cmd/argparse-help.js';

describe('argparseHelp', () => {
  it('puts help at column 24 at most, under a long invocation, and wraps it at 78', () => {
    const cmd = new Command('prog')
      .description('Node pool.')
      .option('-c, --config <path>', 'path to config file')
      .option('--quiet', 'say less')
      .option(
        '--a-rather-long-option-name <n>',
        'a help text long enough to need a second line when it is wrapped at the width argparse uses',
      );
    expect(argparseHelp(cmd)).toBe(
      [
        'usage: prog [-h] [-c CONFIG] [--quiet]',
        '            [--a-rather-long-option-name A_RATHER_LONG_OPTION_NAME]',
        '',
        'Node pool.',
        '',
        'optional arguments:',
        '  -h, --help            show this help message and exit',
        '  -c CONFIG, --config CONFIG',
        '                        path to config file',
        '  --quiet               say less',
        '  --a-rather-long-option-name A_RATHER_LONG_OPTION_NAME',
        '                        a help text long enough to need a second line when it',
        '                        is wrapped at the width argparse uses',
        '',
      ].join('\n'),
    );
  });

  it('narrows the help column to the longest invocation, and shows positionals and required options', () => {
    const parent = new Command('nodepool');
    const sub = parent
      .command('hold')
      .description('place a node in the HOLD state')
      .argument('<id>', 'node id')
      .argument('[more]', 'more ids')
      .requiredOption('--reason <text>', 'why');
    expect(argparseHelp(sub)).toBe(
      [
        'usage: nodepool hold [-h] --reason REASON id [more]',
        '',
        'positional arguments:',
        '  id               node id',
        '  more             more ids',
        '',
        'optional arguments:',
        '  -h, --help       show this help message and exit',
        '  --reason REASON  why',
        '',
      ].join('\n'),
    );
  });

  it('lists sub-commands under "commands:" with their help, indented', () => {
    const cmd = new Command('nodepool').description('Node pool.');
    cmd.command('list').description('list nodes');
    cmd.command('job-delete').description('delete job');
    const help = argparseHelp(cmd);
    expect(help).toContain('usage: nodepool [-h] {list,job-delete} ...\n');
    // The help column follows the longest invocation, `{list,job-delete}`: 2 + 17 + 2.
    expect(help).toContain(
      [
        'commands:',
        '  valid commands',
        '',
        '  {list,job-delete}  additional help',
        '    list             list nodes',
        '    job-delete       delete job',
      ].join('\n'),
    );
  });
});
